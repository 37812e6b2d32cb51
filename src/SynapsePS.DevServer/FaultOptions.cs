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
    public int LatencyMs { get; set; }
    /// <summary>Never more faults than this in a row for one chunk, so a client with enough retries always finishes.</summary>
    public int MaxConsecutiveFaults { get; set; } = 2;
    public int? Seed { get; set; }
    public string[] Methods { get; set; } = { "PUT" };
    /// <summary>
    /// "checksum" or "size": the finish reply (synapse shape) reports a wrong value for it while the upload is
    /// stored and marked complete all the same. Null: the reply tells the truth.
    /// </summary>
    public string? FinishLie { get; set; }

    public void CopyFrom(FaultOptions other)
    {
        FailRate = other.FailRate; FailStatuses = other.FailStatuses; RetryAfterSeconds = other.RetryAfterSeconds;
        ThrottleRate = other.ThrottleRate; ThrottleRetryAfterSeconds = other.ThrottleRetryAfterSeconds;
        DropRate = other.DropRate; LoseAckRate = other.LoseAckRate; StallRate = other.StallRate; StallSeconds = other.StallSeconds;
        LatencyMs = other.LatencyMs; MaxConsecutiveFaults = other.MaxConsecutiveFaults; Seed = other.Seed; Methods = other.Methods;
        FinishLie = other.FinishLie;
    }

    /// <summary>Why these settings cannot apply to a server answering in <paramref name="shape"/>, or null.</summary>
    public string? Problem(RecordShape shape) => FinishLie switch
    {
        null => null,
        LieAboutChecksum or LieAboutSize when shape == RecordShape.Synapse => null,
        LieAboutChecksum or LieAboutSize => "A finish lie needs --record-shape synapse: the drf record has no checksum or size to falsify.",
        _ => $"finishLie takes '{LieAboutChecksum}' or '{LieAboutSize}', not '{FinishLie}'.",
    };
}
