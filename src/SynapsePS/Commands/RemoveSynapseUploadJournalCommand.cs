using System;
using System.Management.Automation;
using SynapsePS.Hosting;
using SynapsePS.Resume;

namespace SynapsePS.Commands;

/// <summary>
/// Forgets what Get-SynapseUploadJournal shows: an interrupted upload (the next run starts that file anew) or a
/// ledger entry (the next run with -SkipUploaded uploads that file again). Touches the state folder only.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "SynapseUploadJournal", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(void))]
public sealed class RemoveSynapseUploadJournalCommand : PSCmdlet
{
    /// <summary>Entries from Get-SynapseUploadJournal (interrupted or completed uploads).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNull]
    public PSObject InputObject { get; set; } = null!;

    /// <summary>The state folder to change, as the upload cmdlets' -StateDirectory; unset for SYNAPSEPS_STATE_DIR or the per-user default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StateDirectory { get; set; }

    private string? StateFolderPath => StateDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(StateDirectory);

    private UploadState? _state;

    protected override void ProcessRecord()
    {
        // Deserialized entries (from a job or a remote session) carry the same properties, so read them by name.
        var completed = InputObject.BaseObject is CompletedUpload || InputObject.TypeNames.Contains("Deserialized.SynapsePS.CompletedUpload");
        var pending = InputObject.BaseObject is PendingUpload || InputObject.TypeNames.Contains("Deserialized.SynapsePS.PendingUpload");
        var fullName = InputObject.Properties["FullName"]?.Value?.ToString();
        var baseUrlText = InputObject.Properties["BaseUrl"]?.Value?.ToString();
        if (!(completed || pending) || fullName is null || !Uri.TryCreate(baseUrlText, UriKind.Absolute, out var baseUrl))
        {
            WriteError(new ErrorRecord(new ArgumentException("Pipe in what Get-SynapseUploadJournal writes."),
                "NotAnUploadJournalEntry", ErrorCategory.InvalidArgument, InputObject));
            return;
        }

        var what = completed ? "Forget the completed upload (a rerun with -SkipUploaded sends it again)" : "Forget the interrupted upload (a rerun starts it anew)";
        if (!ShouldProcess($"{fullName} on {baseUrl}", what)) return;
        var state = _state ??= UploadState.Open(StateFolderPath);
        try
        {
            var removed = completed ? state.ForgetCompleted(baseUrl, fullName) : state.ForgetPending(baseUrl, fullName);
            if (!removed) WriteVerbose($"Nothing to forget for '{fullName}' on {baseUrl}: the entry was already gone.");
        }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException)
        {
            WriteError(new ErrorRecord(ex, "UploadJournalNotRemoved", ErrorCategory.WriteError, fullName));
        }
    }
}
