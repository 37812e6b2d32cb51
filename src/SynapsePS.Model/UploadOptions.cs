using System;

namespace SynapsePS;

/// <summary>How uploads behave. Defaults follow the Python SDK and its recipes.</summary>
public sealed class UploadOptions
{
    public const int DefaultChunkSize = 50 * 1024 * 1024;
    public const int MinChunkSize = 64 * 1024;
    public const int MaxChunkSize = 1024 * 1024 * 1024;

    /// <summary>The most uploads one process runs at once against one server (the connection pool's size).</summary>
    public const int MaxConcurrentUploads = 64;

    /// <summary>The lowest bandwidth cap (1 KiB/s).</summary>
    public const long MinBytesPerSecond = 1024;

    /// <summary>The longest Retry-After the client honours; a longer one is cut to this.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(2);

    /// <summary>The default outage limit: long enough for a deployment or a restart, short enough for a night's runbook.</summary>
    public static readonly TimeSpan DefaultOutageTimeout = TimeSpan.FromMinutes(30);

    /// <summary>Bytes per chunk (64 KiB to 1 GiB).</summary>
    public int ChunkSize { get; set; } = DefaultChunkSize;

    /// <summary>Retries per request after the first attempt.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first wait between retries; it doubles (with jitter) each time.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a request may make no progress (no byte sent, no answer) before it is abandoned and retried.
    /// It is an inactivity limit, not a total: a 50 MiB chunk on a slow link never hits it while bytes move.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Resume an interrupted upload of the same file from its journal (default), or always start anew.</summary>
    public bool Resume { get; set; } = true;

    /// <summary>Skip a file this machine already uploaded to the same server, unchanged since (the ledger says so).</summary>
    public bool SkipUploaded { get; set; }

    /// <summary>
    /// The most bytes per second this client sends, over all the uploads it runs at once (a batch's uploads share
    /// it); null for no cap.
    /// </summary>
    public long? MaxBytesPerSecond { get; set; }

    /// <summary>
    /// How long a call waits for a server that went away (no request of the call succeeds) before it ends with
    /// ServerUnavailable; the clock starts afresh after any success. While it waits, every upload of the call is
    /// paused and no new file starts. Zero: no waiting, ordinary retries only.
    /// </summary>
    public TimeSpan OutageTimeout { get; set; } = DefaultOutageTimeout;

    /// <summary>Where journals and the ledger live; null for SYNAPSEPS_STATE_DIR or the per-user default.</summary>
    public string? StateDirectory { get; set; }

    /// <summary>
    /// The call's time budget, counted from its first file: once it has passed no new file starts, the uploads in
    /// flight get a grace (a tenth of the budget, at most a minute) and are then cut with their journals kept, and
    /// the call ends with TimeBudgetReached. Null for no budget.
    /// </summary>
    public TimeSpan? MaxDuration { get; set; }

    /// <summary>
    /// How many files of a batch may fail for their own reasons before the batch ends with TooManyFailures (the
    /// uploads in flight stopped, journals kept); null for no limit. Failures that end the call count for nothing.
    /// </summary>
    public int? MaxFailures { get; set; }
}
