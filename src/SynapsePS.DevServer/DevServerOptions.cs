using System.Globalization;
using System.Net;

namespace SynapsePS.DevServer;

/// <summary>How the dev server behaves: address, record shape, TLS, auth, limits, expiry, and the faults it injects.</summary>
public sealed class DevServerOptions
{
    public const string ExpectedOffsetKey = "expected_offset";
    public const string LegacyOffsetKey = "offset";

    public IPAddress BindAddress { get; set; } = IPAddress.Loopback;
    public int Port { get; set; }
    public string StorageDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "synapse-dev-" + Guid.NewGuid().ToString("N"));
    /// <summary>
    /// Keeps each upload's record on disk beside its bytes, so a server started again on the same storage folder
    /// (and port) serves the same uploads with the same ids, urls and offsets, as a real server's database does,
    /// and goes on with the request log of the one before it.
    /// </summary>
    public bool PersistUploads { get; set; }
    public List<string> Tokens { get; } = new();
    public long? MaxUploadBytes { get; set; }
    public long? QuotaBytes { get; set; }
    public TimeSpan? Expiry { get; set; }
    public RecordShape RecordShape { get; set; } = RecordShape.Drf;
    /// <summary>The name of the server's offset in an "Offsets do not match" answer (drf 0.5 said "offset").</summary>
    public string OffsetKey { get; set; } = ExpectedOffsetKey;
    /// <summary>The finish accepts only application/json, as a DRF view whose only parser is JSONParser.</summary>
    public bool JsonOnly { get; set; }
    /// <summary>Records' urls are built on this base instead of the request's own scheme and host.</summary>
    public Uri? AdvertiseUrl { get; set; }
    public bool LargeBufferTransport { get; set; }
    /// <summary>
    /// Multipart bodies are read by the server's own MultipartChunkReader instead of the framework's MultipartReader.
    /// The benchmark found no gain worth a second reader by default (docs/performance.md, the multipart section).
    /// </summary>
    public bool CustomMultipartReader { get; set; }
    public bool Https { get; set; }
    public string? CertificateOut { get; set; }
    /// <summary>The server's certificate expired two days ago (for tests of how a client reports it).</summary>
    public bool ExpiredCertificate { get; set; }
    public bool RequireClientCertificate { get; set; }
    public string? ClientPfxOut { get; set; }
    public string? ClientPfxPassword { get; set; }
    public FaultOptions Faults { get; } = new();
    public bool ExitOnStdinClose { get; set; }

    public const string Usage = """
        SynapsePS.DevServer: a Synapse-compatible chunked-upload server (drf-chunked-upload 0.6 answers) on loopback.
        The first line written to stdout is the base URL (http://127.0.0.1:PORT/, or https:// with --https).

        Server:
          --bind ADDRESS           loopback address to listen on, e.g. 127.0.0.2 (default 127.0.0.1; others are refused)
          --port N                 port (0 = a free one; default 0)
          --storage DIR            where uploads are stored (default: a new temp folder)
          --persist                keep the upload records and the request log in the storage folder too: a server
                                   started again with the same --storage and --port serves the same uploads (ids,
                                   urls, offsets) and goes on with the log
          --token T                an accepted access token (repeatable; none = no auth)
          --max-size BYTES         uploads larger than this are refused with 413
          --quota BYTES            total stored bytes above this are refused with 507 (both also settable
                                   through POST /_dev/limits, e.g. {"maxUploadBytes": 1000}; {} turns both off)
          --expiry SECONDS         uploads older than this answer 410
          --large-buffer-transport receive into 256 KiB blocks instead of Kestrel's socket transport (benchmarks)
          --multipart-reader framework|custom   read multipart bodies with ASP.NET Core's MultipartReader
                                   (default) or the server's own MultipartChunkReader (benchmarks)
        Answers:
          --record-shape drf|synapse   drf (default): UUID ids, integer status, user pk. synapse: integer ids 1, 2, ...
                                   and the finish reply also carries checksum (MD5 of the stored bytes) and size
          --offset-key expected_offset|offset   the key of the server's offset in "Offsets do not match"
                                   (default expected_offset with provided_offset; offset = drf 0.5, alone)
          --json-only              the finish accepts only Content-Type application/json (others: 415)
          --advertise-url URL      records' url are built on URL instead of the request's scheme and Host
        TLS:
          --https                  serve HTTPS with a self-signed certificate made at start (SANs localhost,
                                   synapse.test, 127.0.0.1, 127.0.0.2)
          --certificate-out PATH   write that certificate (PEM, public part)
          --expired-certificate    serve a certificate that expired two days ago
          --client-certificate required   demand a client certificate issued by the server's own test CA
          --client-ca-out PATH     write a client certificate + key issued by that CA, as PFX (with the CA's
                                   certificate)
          --client-pfx-password P  the PFX's password (default: none)
        Faults (for chunk requests unless said otherwise; also settable through POST /_dev/faults, whose JSON
        names them in camelCase, e.g. {"refuseStatus": 503, "refuseSeconds": 20, "refuseRetryAfterSeconds": 2};
        a window set that way opens when it is posted):
          --fail-rate R            share of chunk requests failed with 5xx (0..1)
          --fail-status 503,500    the 5xx statuses used
          --retry-after S          Retry-After sent with 5xx
          --throttle-rate R        share answered 429
          --throttle-retry-after S Retry-After sent with 429 (default 2)
          --drop-rate R            share whose connection is dropped part-way through the body
          --lose-ack-rate R        share stored but answered by a dropped connection
          --stall-rate R           share that stop being read part-way through the body
          --stall-seconds S        how long a stall lasts (default 30)
          --stall-reply-rate R     share stored and answered with headers only, the body never sent (the
                                   connection is cut after --stall-seconds)
          --drip-reply-rate R      share stored and answered with headers, then the body one byte at a time
          --drip-seconds S         the time between two bytes of a dripped body (default 5)
          --latency-ms N           delay of every PUT and POST answer (a chunk's once it is stored; the
                                   finish and refusals before they are handled): a server far away
          --max-inflight K         a capacity: a PUT or POST arriving while K requests are served gets 503
                                   without Retry-After (fault "max-inflight"); GET /_dev/inflight tells the
                                   most served at once and the refusals since the last POST /_dev/reset-log
          --max-consecutive-faults N  at most N faults in a row for the same chunk (default 2)
          --seed N                 seed of the fault dice
          --fault-methods PUT,...  methods faults apply to (default PUT)
          --refuse STATUS          a refusal window: answer every PUT and POST with STATUS (e.g. 503, 507, 403)
                                   before routing or auth; GETs are answered as usual
          --refuse-seconds S       the window closes S seconds after it opens (default: stays open)
          --refuse-retry-after S   Retry-After sent with each refusal (default: none)
          --finish-lie checksum|size   the finish reply (synapse shape) reports a wrong checksum or size while the
                                   upload is stored and marked complete all the same
        Process:
          --exit-on-stdin-close    stop when standard input closes (the parent went away)

        Forward proxy mode (for tests of corporate networks):
          SynapsePS.DevServer --forward-proxy --map NAME=127.0.0.1:PORT [--map ...] [--proxy-user U --proxy-password P]
          Listens on a free port of 127.0.0.1 and prints its URL first. Forwards absolute-form HTTP requests and
          CONNECT tunnels to the names given with --map only (targets must be loopback); any other name gets 502
          and is never contacted. GET /_proxy/log lists what it forwarded; POST /_proxy/reset-log clears it.
          --forward-proxy          run as the forward proxy instead of the upload server
          --map NAME=ADDRESS:PORT  a name the proxy resolves, to a loopback address (also NAME=http://ADDRESS:PORT/)
          --proxy-user U           demand Proxy-Authorization: Basic for user U (407 otherwise)
          --proxy-password P       that user's password
          --exit-on-stdin-close    as above
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
                case "--bind": o.BindAddress = IPAddress.TryParse(Value(), out var a) ? a : throw new ArgumentException($"--bind takes an IP address, not '{args[i]}'."); break;
                case "--port": o.Port = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--storage": o.StorageDirectory = Path.GetFullPath(Value()); break;
                case "--persist": o.PersistUploads = true; break;
                case "--token": o.Tokens.Add(Value()); break;
                case "--max-size": o.MaxUploadBytes = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--quota": o.QuotaBytes = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--expiry": o.Expiry = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)); break;
                case "--large-buffer-transport": o.LargeBufferTransport = true; break;
                case "--multipart-reader":
                    o.CustomMultipartReader = Value() switch
                    {
                        "framework" => false,
                        "custom" => true,
                        var s => throw new ArgumentException($"--multipart-reader takes framework or custom, not '{s}'."),
                    };
                    break;
                case "--record-shape":
                    o.RecordShape = Value() switch
                    {
                        "drf" => RecordShape.Drf,
                        "synapse" => RecordShape.Synapse,
                        var s => throw new ArgumentException($"--record-shape takes drf or synapse, not '{s}'."),
                    };
                    break;
                case "--offset-key": o.OffsetKey = Value(); break;
                case "--json-only": o.JsonOnly = true; break;
                case "--advertise-url":
                    o.AdvertiseUrl = Uri.TryCreate(Value(), UriKind.Absolute, out var u) ? u : throw new ArgumentException($"--advertise-url takes an absolute URL, not '{args[i]}'.");
                    break;
                case "--https": o.Https = true; break;
                case "--certificate-out": o.CertificateOut = Path.GetFullPath(Value()); break;
                case "--expired-certificate": o.ExpiredCertificate = true; break;
                case "--client-certificate":
                    o.RequireClientCertificate = Value() switch
                    {
                        "required" => true,
                        "none" => false,
                        var s => throw new ArgumentException($"--client-certificate takes required or none, not '{s}'."),
                    };
                    break;
                case "--client-ca-out": o.ClientPfxOut = Path.GetFullPath(Value()); break;
                case "--client-pfx-password": o.ClientPfxPassword = Value(); break;
                case "--fail-rate": o.Faults.FailRate = Rate(); break;
                case "--fail-status": o.Faults.FailStatuses = Value().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--retry-after": o.Faults.RetryAfterSeconds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--throttle-rate": o.Faults.ThrottleRate = Rate(); break;
                case "--throttle-retry-after": o.Faults.ThrottleRetryAfterSeconds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--drop-rate": o.Faults.DropRate = Rate(); break;
                case "--lose-ack-rate": o.Faults.LoseAckRate = Rate(); break;
                case "--stall-rate": o.Faults.StallRate = Rate(); break;
                case "--stall-seconds": o.Faults.StallSeconds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--stall-reply-rate": o.Faults.StallReplyRate = Rate(); break;
                case "--drip-reply-rate": o.Faults.DripReplyRate = Rate(); break;
                case "--drip-seconds": o.Faults.DripSeconds = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--latency-ms": o.Faults.LatencyMs = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--max-inflight": o.Faults.MaxInflight = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--max-consecutive-faults": o.Faults.MaxConsecutiveFaults = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--seed": o.Faults.Seed = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--fault-methods": o.Faults.Methods = Value().Split(',').Select(m => m.Trim().ToUpperInvariant()).ToArray(); break;
                case "--finish-lie": o.Faults.FinishLie = Value(); break;
                case "--refuse": o.Faults.RefuseStatus = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--refuse-seconds": o.Faults.RefuseSeconds = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--refuse-retry-after": o.Faults.RefuseRetryAfterSeconds = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--exit-on-stdin-close": o.ExitOnStdinClose = true; break;
                default: throw new ArgumentException($"Unknown option '{name}'. Use --help for the list.");
            }
        }
        o.Validate();
        return o;
    }

    /// <summary>Refuses combinations that cannot work (and any address that would leave loopback).</summary>
    public void Validate()
    {
        if (!IPAddress.IsLoopback(BindAddress))
            throw new ArgumentException($"The dev server listens on loopback only; {BindAddress} is not a loopback address.");
        if (OffsetKey is not (ExpectedOffsetKey or LegacyOffsetKey))
            throw new ArgumentException($"--offset-key takes {ExpectedOffsetKey} or {LegacyOffsetKey}, not '{OffsetKey}'.");
        if (AdvertiseUrl is { } url && url.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--advertise-url takes an http or https URL, not '{url}'.");
        if (!Https && (CertificateOut is not null || ExpiredCertificate || RequireClientCertificate || ClientPfxOut is not null))
            throw new ArgumentException("--certificate-out, --expired-certificate, --client-certificate and --client-ca-out need --https.");
        if (!RequireClientCertificate && (ClientPfxOut is not null || ClientPfxPassword is not null))
            throw new ArgumentException("--client-ca-out and --client-pfx-password need --client-certificate required.");
        if (Faults.Problem(RecordShape) is { } problem) throw new ArgumentException(problem);
    }
}
