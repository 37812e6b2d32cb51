using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Connections;
using SynapsePS.Hosting;

namespace SynapsePS.Commands;

/// <summary>
/// What the upload cmdlets share: path and tuning parameters, the connection, cancellation, and running the
/// engine off the pipeline thread while every Write* stays on it.
/// </summary>
public abstract class UploadCommandBase : FileCommandBase
{
    private readonly CancellationTokenSource _stop = new();
    private SynapseUploadClient? _client;

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

    private protected CancellationToken Cancellation => _stop.Token;

    /// <summary>Whether progress is drawn at all; with SilentlyContinue no progress is even collected.</summary>
    protected bool ShowProgress =>
        !(GetVariableValue("ProgressPreference") is ActionPreference pref && pref == ActionPreference.SilentlyContinue);

    protected string TargetDescription => (Connection ?? SessionConnection.Current)?.BaseUrl.AbsoluteUri ?? "the Synapse backend";

    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>The client for this call, built once; a missing or unusable connection ends the call.</summary>
    private protected SynapseUploadClient Client => _client ??= CreateClient();

    private SynapseUploadClient CreateClient()
    {
        try
        {
            var connection = Connection ?? SessionConnection.Current ?? ConnectionRules.FromEnvironment()
                ?? throw new SynapseClientException(SynapseErrorKind.ConnectionNotConfigured,
                    $"No Synapse connection: run Connect-Synapse, pass -Connection, or set {ConnectionRules.BackendHostVariable} and {ConnectionRules.AccessTokenVariable}.");
            return new SynapseUploadClient(connection, new UploadOptions
            {
                ChunkSize = ChunkSize,
                MaxRetries = MaxRetries,
                RetryDelay = TimeSpan.FromSeconds(RetryDelaySec),
                Timeout = TimeSpan.FromSeconds(TimeoutSec),
                Resume = !NoResume,
                SkipUploaded = SkipUploaded,
                MaxBytesPerSecond = MyInvocation.BoundParameters.ContainsKey(nameof(MaxBytesPerSecond)) ? MaxBytesPerSecond : null,
            });
        }
        catch (SynapseClientException ex)
        {
            ThrowTerminatingError(ErrorMap.ToRecord(ex, null));
            throw;
        }
    }

    /// <summary>Reports a failed file: a non-terminating error, or the end of the call when no file can succeed.</summary>
    private protected void ReportFailure(SynapseClientException ex, object? target)
    {
        var record = ErrorMap.ToRecord(ex, target);
        if (ErrorMap.DoomsTheCall(ex))
        {
            _stop.Cancel();   // stop every other upload of this call before ending it
            ThrowTerminatingError(record);
        }
        WriteError(record);
    }

    /// <summary>Waits for engine work on the pipeline thread, turning a stop into PipelineStoppedException.</summary>
    private protected T Await<T>(Task<T> work, PipelinePump pump, Action? tick = null)
    {
        pump.RunUntil(work, tick);
        try
        {
            return work.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }
}
