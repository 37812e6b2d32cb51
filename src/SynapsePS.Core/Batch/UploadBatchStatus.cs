using System;
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

    /// <summary>Counts a settled file for the status line, then hands it on.</summary>
    private void Settle(BatchUploadResult result)
    {
        if (result.Error is not null)
        {
            // A failure that ends the call is no file's own: the call's end reports it.
            if (!FailureClassifier.EndsTheCall(result.Error)) Interlocked.Increment(ref _failed);
        }
        else
        {
            Interlocked.Increment(ref result.Skipped ? ref _skipped : ref _uploaded);
            Interlocked.Add(ref _bytesSettled, result.Length ?? 0);
        }
        _settled(result);
    }

    /// <summary>
    /// Holds a file that has its lane while the call waits for the server, so no new file starts during an outage
    /// or a shared Retry-After; gives the lane back when the call ends meanwhile (its end is thrown).
    /// </summary>
    private async Task WaitForServerAsync(LocalFile file)
    {
        try
        {
            await _client.WaitForServerAsync(_cancellation).ConfigureAwait(false);
        }
        catch
        {
            _free.Release();
            file.Dispose();
            throw;
        }
    }
}
