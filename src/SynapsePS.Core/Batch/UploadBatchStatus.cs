using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Files;
using SynapsePS.Reporting;
using SynapsePS.Resilience;

namespace SynapsePS.Batch;

// The batch's side of riding out an outage and of its status line: no file starts while the call is held, and
// the counts a status line tells are kept here as files settle.
public sealed partial class UploadBatch
{
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(30);

    private readonly TransferRate _rate;
    private readonly TimeProvider _time;
    private int _uploaded;
    private int _skipped;
    private int _failed;
    private long _bytesSettled;
    private long _bytesUploaded;
    private SynapseClientException? _end;

    /// <summary>Whether the call is held (the server is away, or asked every request to wait): no file starts meanwhile.</summary>
    public bool IsWaitingForServer => _client.IsWaitingForServer;

    /// <summary>
    /// One line for logs and transcripts: files done, skipped, failed and in flight, bytes, the current rate, and
    /// since when the call waits for the server while it does. Every count of the line is read here.
    /// </summary>
    public string StatusLine()
    {
        long inFlightBytes = 0;
        foreach (var lane in _lanes)
            if (lane.File is not null && lane.Progress.Latest is { } latest) inFlightBytes += latest.BytesDone;
        var bytesDone = Interlocked.Read(ref _bytesSettled) + inFlightBytes;
        _rate.Record(bytesDone);
        var status = new BatchStatus(Volatile.Read(ref _uploaded), Volatile.Read(ref _skipped), Volatile.Read(ref _failed),
            Volatile.Read(ref _running), FilesWaitingForAnotherRun, bytesDone, _rate.BytesPerSecond,
            totalFiles: (int?)TotalFiles, totalBytes: TotalBytes, waitingForServerSince: _client.WaitingForServerSince,
            atOnce: _pace?.Limit);
        return Reporting.StatusLine.Format(status, _time.GetLocalNow());
    }

    /// <summary>Files uploaded by this call so far.</summary>
    public int Uploaded => Volatile.Read(ref _uploaded);

    /// <summary>Files skipped as already uploaded, unchanged.</summary>
    public int Skipped => Volatile.Read(ref _skipped);

    /// <summary>Files that failed for their own reasons.</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Files settled in any way: uploaded, skipped or failed.</summary>
    public int Settled => Uploaded + Skipped + Failed;

    /// <summary>How many files the time budget kept from starting.</summary>
    public int NotStarted => _budget.NotStarted;

    /// <summary>How many uploads in flight the time budget cut (journals kept).</summary>
    public int Interrupted => _budget.Interrupted;

    /// <summary>The call in one object, from the batch's own counts; <paramref name="failed"/> are the failed files the caller kept.</summary>
    public BatchUploadSummary Summarize(IReadOnlyList<BatchUploadResult> failed, TimeSpan duration) =>
        new(Uploaded, Skipped, failed, Interlocked.Read(ref _bytesUploaded), duration,
            NotStarted, Interrupted, timeBudgetReached: _budget.Reached() is not null, HighestConcurrency, Concurrency);

    /// <summary>Counts a settled file, hands it on, and ends the call when it is the failure over the limit.</summary>
    private void Settle(BatchUploadResult result)
    {
        var failures = 0;
        if (result.Error is not null) failures = Interlocked.Increment(ref _failed);
        else
        {
            Interlocked.Increment(ref result.Skipped ? ref _skipped : ref _uploaded);
            Interlocked.Add(ref _bytesSettled, result.Length ?? 0);
            if (!result.Skipped) Interlocked.Add(ref _bytesUploaded, result.Length ?? 0);
        }
        _settled(result);
        if (_client.Options.MaxFailures is { } max && failures == max)
            EndCall(new SynapseClientException(SynapseErrorKind.TooManyFailures,
                $"{failures} files failed, the -MaxFailures limit of {max}, so the batch stopped. Each failure was reported " +
                "with its own error; the uploads in flight keep their journals and resume when the command is run again."));
    }

    /// <summary>
    /// Ends the call (the first end wins): no file starts, the uploads in flight stop with their journals kept.
    /// Never throws: it runs on a lane before the lane's claim is let go.
    /// </summary>
    private void EndCall(SynapseClientException end)
    {
        Interlocked.CompareExchange(ref _end, end, null);
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        catch (AggregateException)
        {
            // A stopped wait that failed as it stopped; every other wait was still told to stop.
        }
    }

    private void ThrowIfEnded()
    {
        if (Volatile.Read(ref _end) is { } end) throw end;
    }

    /// <summary>
    /// Awaits work of the batch, turning what stopped it into the call's end: a failure that dooms every file ends
    /// the call; a cancellation because the call ended becomes that end. The caller's own cancellation stays one.
    /// </summary>
    private async Task EndingAsync(Task work)
    {
        try
        {
            await work.ConfigureAwait(false);
        }
        catch (SynapseClientException ex) when (FailureClassifier.EndsTheCall(ex))
        {
            EndCall(ex);
            ThrowIfEnded();
            throw;
        }
        catch (OperationCanceledException) when (Volatile.Read(ref _end) is not null)
        {
            ThrowIfEnded();
            throw;
        }
    }

    /// <summary>
    /// Holds a file that has its lane while the call waits for the server, so no new file starts during an outage
    /// or a shared Retry-After; gives the lane back when the call ends meanwhile (its end is thrown) or the time
    /// budget's cut comes first.
    /// </summary>
    private async Task WaitForServerAsync(LocalFile file)
    {
        try
        {
            await _client.WaitForServerAsync(_uploads.Token).ConfigureAwait(false);
        }
        catch
        {
            _free.Release();
            file.Dispose();
            throw;
        }
    }
}
