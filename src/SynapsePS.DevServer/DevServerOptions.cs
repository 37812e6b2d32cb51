using System.Globalization;

namespace SynapsePS.DevServer;

/// <summary>How the dev server behaves: auth, limits, expiry, and the faults it injects for tests.</summary>
public sealed class DevServerOptions
{
    public int Port { get; set; }
    public string StorageDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "synapse-dev-" + Guid.NewGuid().ToString("N"));
    public List<string> Tokens { get; } = new();
    public long? MaxUploadBytes { get; set; }
    public long? QuotaBytes { get; set; }
    public TimeSpan? Expiry { get; set; }
    public FaultOptions Faults { get; } = new();
    public bool ExitOnStdinClose { get; set; }

    public const string Usage = """
        SynapsePS.DevServer: a Synapse-compatible chunked-upload server (drf-chunked-upload answers) on 127.0.0.1.
        The first line written to stdout is the base URL.

          --port N                 port (0 = a free one; default 0)
          --storage DIR            where uploads are stored (default: a new temp folder)
          --token T                an accepted access token (repeatable; none = no auth)
          --max-size BYTES         uploads larger than this are refused with 413
          --quota BYTES            total stored bytes above this are refused with 507
          --expiry SECONDS         uploads older than this answer 410
          --fail-rate R            share of chunk requests failed with 5xx (0..1)
          --fail-status 503,500    the 5xx statuses used
          --retry-after S          Retry-After sent with 5xx
          --throttle-rate R        share answered 429
          --throttle-retry-after S Retry-After sent with 429 (default 2)
          --drop-rate R            share whose connection is dropped part-way through the body
          --lose-ack-rate R        share stored but answered by a dropped connection
          --stall-rate R           share that stop being read part-way through the body
          --stall-seconds S        how long a stall lasts (default 30)
          --latency-ms N           delay before every chunk answer
          --max-consecutive-faults N  at most N faults in a row for the same chunk (default 2)
          --seed N                 seed of the fault dice
          --fault-methods PUT,...  methods faults apply to (default PUT)
          --exit-on-stdin-close    stop when standard input closes (the parent went away)
        """;

    public static DevServerOptions Parse(string[] args)
    {
        var o = new DevServerOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            double Rate() => double.Parse(Value(), CultureInfo.InvariantCulture) is var r and >= 0 and <= 1 ? r : throw new ArgumentException($"{name} takes a rate from 0 to 1.");
            switch (name)
            {
                case "--port": o.Port = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--storage": o.StorageDirectory = Path.GetFullPath(Value()); break;
                case "--token": o.Tokens.Add(Value()); break;
                case "--max-size": o.MaxUploadBytes = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--quota": o.QuotaBytes = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--expiry": o.Expiry = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--fail-rate": o.Faults.FailRate = Rate(); break;
                case "--fail-status": o.Faults.FailStatuses = Value().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--retry-after": o.Faults.RetryAfterSeconds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--throttle-rate": o.Faults.ThrottleRate = Rate(); break;
                case "--throttle-retry-after": o.Faults.ThrottleRetryAfterSeconds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--drop-rate": o.Faults.DropRate = Rate(); break;
                case "--lose-ack-rate": o.Faults.LoseAckRate = Rate(); break;
                case "--stall-rate": o.Faults.StallRate = Rate(); break;
                case "--stall-seconds": o.Faults.StallSeconds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--latency-ms": o.Faults.LatencyMs = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--max-consecutive-faults": o.Faults.MaxConsecutiveFaults = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--seed": o.Faults.Seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--fault-methods": o.Faults.Methods = Value().Split(',').Select(m => m.Trim().ToUpperInvariant()).ToArray(); break;
                case "--exit-on-stdin-close": o.ExitOnStdinClose = true; break;
                default: throw new ArgumentException($"Unknown option '{name}'. Use --help for the list.");
            }
        }
        return o;
    }
}

/// <summary>
/// Faults injected into chunk requests. Rates are shares of requests (0..1). Mutable while the server runs;
/// readers take a consistent enough view per request (tests change them between uploads).
/// </summary>
public sealed class FaultOptions
{
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

    public void CopyFrom(FaultOptions other)
    {
        FailRate = other.FailRate; FailStatuses = other.FailStatuses; RetryAfterSeconds = other.RetryAfterSeconds;
        ThrottleRate = other.ThrottleRate; ThrottleRetryAfterSeconds = other.ThrottleRetryAfterSeconds;
        DropRate = other.DropRate; LoseAckRate = other.LoseAckRate; StallRate = other.StallRate; StallSeconds = other.StallSeconds;
        LatencyMs = other.LatencyMs; MaxConsecutiveFaults = other.MaxConsecutiveFaults; Seed = other.Seed; Methods = other.Methods;
    }
}
