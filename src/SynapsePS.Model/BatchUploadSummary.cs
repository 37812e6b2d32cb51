using System;
using System.Collections.Generic;

namespace SynapsePS;

/// <summary>
/// A whole batch in one object, shaped like the Python SDK's batch recipe (successful, failed, total). It holds
/// counts and the failed files only, so a batch of a million files does not keep a million results.
/// </summary>
public sealed class BatchUploadSummary
{
    public BatchUploadSummary(int successful, int skipped, IReadOnlyList<BatchUploadResult> failed, long bytes, TimeSpan duration,
        int notStarted = 0, int interrupted = 0, bool timeBudgetReached = false, int highestConcurrency = 0, int finalConcurrency = 0)
    {
        NotStarted = notStarted;
        Interrupted = interrupted;
        TimeBudgetReached = timeBudgetReached;
        HighestConcurrency = highestConcurrency;
        FinalConcurrency = finalConcurrency;
        Successful = successful;
        Skipped = skipped;
        Failed = failed;
        Bytes = bytes;
        Duration = duration;
    }

    /// <summary>Files uploaded by this run.</summary>
    public int Successful { get; }

    /// <summary>Files not sent because this machine had already uploaded them, unchanged, to this server.</summary>
    public int Skipped { get; }

    /// <summary>The failed files in full: name, ErrorId, status, reason.</summary>
    public IReadOnlyList<BatchUploadResult> Failed { get; }

    public int Total => Successful + Skipped + Failed.Count;

    /// <summary>Bytes of the files uploaded by this run.</summary>
    public long Bytes { get; }
    public TimeSpan Duration { get; }
    public double BytesPerSecond => Duration.TotalSeconds > 0 ? Bytes / Duration.TotalSeconds : 0;
    public double FilesPerSecond => Duration.TotalSeconds > 0 ? Total / Duration.TotalSeconds : 0;

    /// <summary>Files the time budget (-MaxDurationSec) kept from starting; a rerun sends them.</summary>
    public int NotStarted { get; }

    /// <summary>Uploads in flight the time budget cut, journals kept; a rerun resumes them where the server stopped.</summary>
    public int Interrupted { get; }

    /// <summary>Whether the call ended by its time budget with files left (TimeBudgetReached).</summary>
    public bool TimeBudgetReached { get; }

    /// <summary>The most files that uploaded at once.</summary>
    public int HighestConcurrency { get; }

    /// <summary>How many files could upload at once when the batch ended: the count it had found, or -ThrottleLimit.</summary>
    public int FinalConcurrency { get; }
}
