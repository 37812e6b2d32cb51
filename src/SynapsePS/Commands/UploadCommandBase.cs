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

    /// <summary>Write a status line to the Information stream every this many seconds; unset for none.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int StatusIntervalSec { get; set; }

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
    });
}
