using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using SynapsePS.Hosting;
using SynapsePS.Resume;

namespace SynapsePS.Commands;

/// <summary>
/// What this machine remembers: the interrupted uploads a rerun would resume, or with -Completed the ledger of
/// completed uploads that -SkipUploaded consults. Reads the state folder only; needs no connection.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SynapseUploadJournal", DefaultParameterSetName = "Pending")]
[OutputType(typeof(PendingUpload), ParameterSetName = new[] { "Pending" })]
[OutputType(typeof(CompletedUpload), ParameterSetName = new[] { "Completed" })]
public sealed class GetSynapseUploadJournalCommand : PSCmdlet
{
    /// <summary>Only entries of these files (wildcards allowed; relative paths are taken from the current location).</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [SupportsWildcards]
    public string[]? Path { get; set; }

    /// <summary>List the ledger of completed uploads instead of the interrupted ones.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Completed")]
    public SwitchParameter Completed { get; set; }

    /// <summary>The state folder to read, as the upload cmdlets' -StateDirectory; unset for SYNAPSEPS_STATE_DIR or the per-user default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StateDirectory { get; set; }

    private string? StateFolderPath => StateDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(StateDirectory);

    private readonly List<WildcardPattern> _patterns = new();

    protected override void ProcessRecord()
    {
        foreach (var path in Path ?? Enumerable.Empty<string>())
        {
            var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
            _patterns.Add(WildcardPattern.Get(full, System.IO.Path.DirectorySeparatorChar == '\\' ? WildcardOptions.IgnoreCase : WildcardOptions.None));
        }
    }

    protected override void EndProcessing()
    {
        var state = UploadState.Open(StateFolderPath);
        var log = new DirectLog(this);
        if (Completed)
        {
            foreach (var entry in state.Completed(log))
                if (Wanted(entry.FullName)) WriteObject(entry);
        }
        else
        {
            foreach (var entry in state.Pending(log))
                if (Wanted(entry.FullName)) WriteObject(entry);
        }
    }

    private bool Wanted(string fullName) => _patterns.Count == 0 || _patterns.Any(p => p.IsMatch(fullName));
}
