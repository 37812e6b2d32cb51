using System;

namespace SynapsePS.Reporting;

/// <summary>Where a batch stands, as one status line tells it. Immutable; the totals are null while unknown.</summary>
internal sealed class BatchStatus
{
    public BatchStatus(int uploaded, int skipped, int failed, int inFlight, int waitingForAnotherRun,
        long bytesDone, double bytesPerSecond, int? totalFiles = null, long? totalBytes = null,
        DateTimeOffset? waitingForServerSince = null, int? atOnce = null)
    {
        AtOnce = atOnce;
        Uploaded = uploaded;
        Skipped = skipped;
        Failed = failed;
        InFlight = inFlight;
        WaitingForAnotherRun = waitingForAnotherRun;
        BytesDone = bytesDone;
        BytesPerSecond = bytesPerSecond;
        TotalFiles = totalFiles;
        TotalBytes = totalBytes;
        WaitingForServerSince = waitingForServerSince;
    }

    public int Uploaded { get; }
    public int Skipped { get; }
    public int Failed { get; }
    public int InFlight { get; }

    /// <summary>Files another process is uploading now; this run leaves them for a later one.</summary>
    public int WaitingForAnotherRun { get; }

    /// <summary>Files settled in any way: uploaded, skipped or failed.</summary>
    public int Finished => Uploaded + Skipped + Failed;

    /// <summary>Bytes the server holds of the files so far (sent, resumed or skipped): what counts against <see cref="TotalBytes"/>.</summary>
    public long BytesDone { get; }

    /// <summary>The current rate (<see cref="TransferRate"/>), bytes per second.</summary>
    public double BytesPerSecond { get; }

    public int? TotalFiles { get; }
    public long? TotalBytes { get; }

    /// <summary>How many files may upload at once now, when the batch chooses that itself; null when it is pinned.</summary>
    public int? AtOnce { get; }

    /// <summary>Set while the call waits for the server (an outage): when a request last succeeded.</summary>
    public DateTimeOffset? WaitingForServerSince { get; }
}
