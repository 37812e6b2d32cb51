using System;
using System.Management.Automation;
using SynapsePS.Hosting;

namespace SynapsePS.Commands;

/// <summary>What the upload cmdlets share: path and tuning parameters, and the connection.</summary>
public abstract class UploadCommandBase : FileCommandBase
{
    /// <summary>Bytes per chunk; 64 KiB to 1 GiB.</summary>
    [Parameter]
    [ValidateRange(UploadOptions.MinChunkSize, UploadOptions.MaxChunkSize)]
    public int ChunkSize { get; set; } = UploadOptions.DefaultChunkSize;

    [Parameter]
    public SynapseConnection? Connection { get; set; }

    [Parameter]
    [ValidateRange(0, 100)]
    public int MaxRetries { get; set; } = 3;

    [Parameter]
    [ValidateRange(0.0, 3600.0)]
    public double RetryDelaySec { get; set; } = 5;

    [Parameter]
    [ValidateRange(1, 86400)]
    public int TimeoutSec { get; set; } = 100;

    [Parameter]
    public SwitchParameter NoResume { get; set; }

    /// <summary>Skip files this machine already uploaded to the same server, unchanged since.</summary>
    [Parameter]
    public SwitchParameter SkipUploaded { get; set; }

    /// <summary>The most bytes per second this command sends, over all its uploads together; unset for no cap.</summary>
    [Parameter]
    [ValidateRange(UploadOptions.MinBytesPerSecond, long.MaxValue)]
    public long MaxBytesPerSecond { get; set; }

    /// <summary>
    /// How long the call waits, every upload paused, for a server that stopped answering after it had answered
    /// (default 1800 s); 0 fails the files in flight after their ordinary retries, as before.
    /// </summary>
    [Parameter]
    [ValidateRange(0, 1209600)]
    public int OutageTimeoutSec { get; set; } = (int)UploadOptions.DefaultOutageTimeout.TotalSeconds;

    /// <summary>Write a status line every this many seconds (to the stream -StatusStream names); unset for none.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int StatusIntervalSec { get; set; }

    /// <summary>
    /// Where the status and outage lines go: Auto (default) is Warning inside an Azure Automation job, which keeps
    /// that stream, and Information everywhere else; or Information, Warning, Output, Verbose.
    /// </summary>
    [Parameter]
    [ValidateSet("Auto", "Information", "Warning", "Output", "Verbose")]
    public string StatusStream { get; set; } = "Auto";

    /// <summary>
    /// The call's time budget in seconds: after it no new file starts, the uploads in flight get a grace (a tenth
    /// of the budget, at most 60 s) and are then cut with their journals kept, and the call ends with the warning
    /// TimeBudgetReached. Unset for no budget.
    /// </summary>
    [Parameter]
    [ValidateRange(1, 31622400)]
    public int MaxDurationSec { get; set; }

    /// <summary>
    /// The call's state folder (journals, the ledger, claims); unset for SYNAPSEPS_STATE_DIR or the per-user default.
    /// Jobs that share a process keep their state apart with it: an environment variable is the whole process's.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? StateDirectory { get; set; }

    /// <summary>How many files may fail before the call ends (the batch's -MaxFailures); null for no limit.</summary>
    private protected virtual int? FailureBudget => null;

    /// <summary>The status and outage lines of this call, written to the stream -StatusStream chose.</summary>
    private protected StatusReport NewStatusReport(SynapseUploadClient client, PipelinePump pump, Func<string> line) =>
        new(this, client, pump, line, StatusInterval, StatusStreams.Resolve(this, StatusStream));

    /// <summary>How often the status line is written; null when -StatusIntervalSec is not given.</summary>
    private protected TimeSpan? StatusInterval =>
        MyInvocation.BoundParameters.ContainsKey(nameof(StatusIntervalSec)) ? TimeSpan.FromSeconds(StatusIntervalSec) : null;

    /// <summary>Whether progress is drawn at all; with SilentlyContinue no progress is even collected.</summary>
    protected bool ShowProgress =>
        !(GetVariableValue("ProgressPreference") is ActionPreference pref && pref == ActionPreference.SilentlyContinue);

    protected string TargetDescription => (Connection ?? SessionConnection.Current)?.BaseUrl.AbsoluteUri ?? "the Synapse backend";

    /// <summary>The client for this call, built once; a missing or unusable connection ends the call.</summary>
    private protected SynapseUploadClient Client => ClientFor(Connection, () => new UploadOptions
    {
        ChunkSize = ChunkSize,
        MaxRetries = MaxRetries,
        RetryDelay = TimeSpan.FromSeconds(RetryDelaySec),
        Timeout = TimeSpan.FromSeconds(TimeoutSec),
        Resume = !NoResume,
        SkipUploaded = SkipUploaded,
        MaxBytesPerSecond = MyInvocation.BoundParameters.ContainsKey(nameof(MaxBytesPerSecond)) ? MaxBytesPerSecond : null,
        OutageTimeout = TimeSpan.FromSeconds(OutageTimeoutSec),
        MaxDuration = MyInvocation.BoundParameters.ContainsKey(nameof(MaxDurationSec)) ? TimeSpan.FromSeconds(MaxDurationSec) : null,
        MaxFailures = FailureBudget,
        StateDirectory = StateDirectory is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(StateDirectory),
    });
}
