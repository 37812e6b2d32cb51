using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Hosting;
using SynapsePS.Resilience;

namespace SynapsePS.Commands;

/// <summary>
/// What the cmdlets that call the engine share: the client for the call's connection, cancellation, running the
/// engine off the pipeline thread while every Write* stays on it, and reporting failures. -Connection itself is
/// declared by each command that has one: Test-SynapseUploadFile shares the path parameters below and has none.
/// </summary>
public abstract class SynapseCommandBase : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    private protected CancellationToken Cancellation => _stop.Token;

    protected override void StopProcessing() => _stop.Cancel();

    /// <summary>PowerShell disposes the command when its pipeline ends: the call's wait for its server ends with it.</summary>
    public void Dispose()
    {
        _client?.Dispose();
    }

    private SynapseUploadClient? _client;

    /// <summary>The call's client if a file made one; null when the call never reached the engine.</summary>
    private protected SynapseUploadClient? ClientIfBuilt => _client;

    /// <summary>
    /// The client of this call, built on first use for <paramref name="connection"/> (the command's -Connection), else
    /// the session's Connect-Synapse default, else the environment; a missing or unusable connection ends the call.
    /// </summary>
    private protected SynapseUploadClient ClientFor(SynapseConnection? connection, Func<UploadOptions> options) =>
        _client ??= CreateClient(connection, options());

    private SynapseUploadClient CreateClient(SynapseConnection? connection, UploadOptions options)
    {
        try
        {
            return new SynapseUploadClient(SessionConnection.Resolve(connection), options);
        }
        catch (SynapseClientException ex)
        {
            ThrowTerminatingError(ErrorMap.ToRecord(ex, null));
            throw;
        }
    }

    /// <summary>
    /// Reports a failed item: a non-terminating error, or the end of the call when no item can succeed. The end by
    /// the time budget is a warning: it is the stop the runbook asked for, and -ErrorAction Stop must not fail the job.
    /// </summary>
    private protected void ReportFailure(SynapseClientException ex, object? target)
    {
        if (ex.Kind == SynapseErrorKind.TimeBudgetReached)
        {
            WriteWarning($"{ex.ErrorId}: {ex.Message}");
            return;
        }
        var record = ErrorMap.ToRecord(ex, target);
        if (FailureClassifier.EndsTheCall(ex))
        {
            _stop.Cancel();   // stop every other request of this call before ending it
            ThrowTerminatingError(record);
        }
        WriteError(record);
    }

    /// <summary>Waits for engine work on the pipeline thread, turning a stop into PipelineStoppedException.</summary>
    private protected void Await(Task work, PipelinePump pump, Action? tick = null)
    {
        pump.RunUntil(work, tick);
        try
        {
            work.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <inheritdoc cref="Await(Task, PipelinePump, Action?)"/>
    private protected T Await<T>(Task<T> work, PipelinePump pump, Action? tick = null)
    {
        Await((Task)work, pump, tick);
        return work.GetAwaiter().GetResult();
    }
}
