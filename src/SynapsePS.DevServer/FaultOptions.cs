namespace SynapsePS.DevServer;

/// <summary>
/// Faults injected into chunk requests. Rates are shares of requests (0..1). Mutable while the server runs;
/// readers take a consistent enough view per request (tests change them between uploads).
/// </summary>
public sealed class FaultOptions
{
    public const string LieAboutChecksum = "checksum";
    public const string LieAboutSize = "size";

    public double FailRate { get; set; }
    public int[] FailStatuses { get; set; } = { 503, 500 };
    public int RetryAfterSeconds { get; set; } = 1;
    public double ThrottleRate { get; set; }
    public int ThrottleRetryAfterSeconds { get; set; } = 2;
    public double DropRate { get; set; }
    public double LoseAckRate { get; set; }
    public double StallRate { get; set; }
    public int StallSeconds { get; set; } = 30;
    /// <summary>Share of chunks stored and answered with headers only: the body never comes (for StallSeconds, then the connection is cut).</summary>
    public double StallReplyRate { get; set; }
    /// <summary>Share of chunks stored and answered with headers, then the body one byte every DripSeconds.</summary>
    public double DripReplyRate { get; set; }
    public double DripSeconds { get; set; } = 5;
    /// <summary>How long every PUT and POST answer of the upload API waits (a server far away): a chunk's once it is stored.</summary>
    public int LatencyMs { get; set; }
    /// <summary>
    /// The server's capacity: a PUT or POST arriving while this many requests are served is answered 503 without
    /// Retry-After (fault "max-inflight" in the request log). Null: no limit.
    /// </summary>
    public int? MaxInflight { get; set; }
    /// <summary>Never more faults than this in a row for one chunk, so a client with enough retries always finishes.</summary>
    public int MaxConsecutiveFaults { get; set; } = 2;
    public int? Seed { get; set; }
    public string[] Methods { get; set; } = { "PUT" };
    /// <summary>
    /// "checksum" or "size": the finish reply (synapse shape) reports a wrong value for it while the upload is
    /// stored and marked complete all the same. Null: the reply tells the truth.
    /// </summary>
    public string? FinishLie { get; set; }

    /// <summary>
    /// A refusal window: every PUT and POST of the upload API is answered with this status (503, 507, 403, ...)
    /// before anything else is looked at, as a maintenance page, a full volume or a withdrawn permission would.
    /// GETs are answered as usual. Null: no window.
    /// </summary>
    public int? RefuseStatus { get; set; }
    /// <summary>How long the window lasts from when it is set (server start, or POST /_dev/faults); null: until turned off.</summary>
    public double? RefuseSeconds { get; set; }
    /// <summary>The Retry-After header sent with each refusal; null sends none.</summary>
    public int? RefuseRetryAfterSeconds { get; set; }
    /// <summary>When the window closes; set from <see cref="RefuseSeconds"/> when the window opens (what a client sends is ignored).</summary>
    public DateTimeOffset? RefuseUntil { get; set; }

    /// <summary>Starts the window's clock: it closes <see cref="RefuseSeconds"/> after <paramref name="now"/>.</summary>
    public void OpenRefusalWindow(DateTimeOffset now) => RefuseUntil = RefuseSeconds is { } s ? now.AddSeconds(s) : null;

    /// <summary>The status a PUT or POST arriving at <paramref name="now"/> is refused with, or null.</summary>
    public int? RefusalAt(DateTimeOffset now) =>
        RefuseStatus is { } status && (RefuseUntil is not { } until || now < until) ? status : null;

    /// <summary>Counts the times the faults were replaced: a new set of faults starts every chunk's streak anew.</summary>
    internal int Generation { get; private set; }

    public void CopyFrom(FaultOptions other)
    {
        Generation++;
        FailRate = other.FailRate; FailStatuses = other.FailStatuses; RetryAfterSeconds = other.RetryAfterSeconds;
        ThrottleRate = other.ThrottleRate; ThrottleRetryAfterSeconds = other.ThrottleRetryAfterSeconds;
        DropRate = other.DropRate; LoseAckRate = other.LoseAckRate; StallRate = other.StallRate; StallSeconds = other.StallSeconds;
        StallReplyRate = other.StallReplyRate; DripReplyRate = other.DripReplyRate; DripSeconds = other.DripSeconds;
        LatencyMs = other.LatencyMs; MaxConsecutiveFaults = other.MaxConsecutiveFaults; Seed = other.Seed; Methods = other.Methods;
        FinishLie = other.FinishLie; MaxInflight = other.MaxInflight;
        RefuseStatus = other.RefuseStatus; RefuseSeconds = other.RefuseSeconds; RefuseRetryAfterSeconds = other.RefuseRetryAfterSeconds;
        OpenRefusalWindow(DateTimeOffset.UtcNow);
    }

    /// <summary>Why these settings cannot apply to a server answering in <paramref name="shape"/>, or null.</summary>
    public string? Problem(RecordShape shape) => RefusalProblem() ?? FinishLie switch
    {
        null => null,
        LieAboutChecksum or LieAboutSize when shape == RecordShape.Synapse => null,
        LieAboutChecksum or LieAboutSize => "A finish lie needs --record-shape synapse: the drf record has no checksum or size to falsify.",
        _ => $"finishLie takes '{LieAboutChecksum}' or '{LieAboutSize}', not '{FinishLie}'.",
    };

    private string? RefusalProblem() =>
        DripSeconds <= 0 ? "dripSeconds takes a positive number of seconds."
        : MaxInflight is < 1 ? $"maxInflight takes a positive number of requests, not {MaxInflight}."
        : LatencyMs < 0 ? "latencyMs takes zero or more milliseconds."
        : RefuseStatus is { } status && status is < 400 or > 599 ? $"refuseStatus takes an HTTP error status (400-599), not {status}."
        : RefuseSeconds is <= 0 ? "refuseSeconds takes a positive number of seconds."
        : RefuseRetryAfterSeconds is < 0 ? "refuseRetryAfterSeconds takes zero or more seconds."
        : RefuseStatus is null && (RefuseSeconds is not null || RefuseRetryAfterSeconds is not null) ? "refuseSeconds and refuseRetryAfterSeconds need refuseStatus."
        : null;
}
