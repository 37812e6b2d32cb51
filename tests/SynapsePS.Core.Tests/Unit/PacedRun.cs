using Microsoft.Extensions.Time.Testing;
using SynapsePS.Batch;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>
/// A server as the controller's scenarios see it, in milliseconds: every request waits the latency, then its share
/// of the server's work (each request served at once costs <see cref="CostMs"/> more), or of the link when the
/// files are large. A capacity refuses the request one over it (503, no Retry-After); a storm answers 429.
/// </summary>
internal sealed class SimServer
{
    public Func<double, double> LatencyMs { get; init; } = _ => 50;
    public Func<double, double> CostMs { get; init; } = _ => 0.1;
    public int? Capacity { get; init; }
    public Func<double, bool> Storm { get; init; } = _ => false;
    /// <summary>Bytes per millisecond of a link every request shares; null when the link is never the limit.</summary>
    public double? LinkBytesPerMs { get; init; }
    public long FileBytes { get; init; } = 16 * 1024;
    public int Files { get; init; } = 2000;
}

/// <summary>
/// Runs a batch of <see cref="SimServer.Files"/> files (two requests each: the chunk, then the finish) against a
/// <see cref="SimServer"/> on a FakeTimeProvider, one millisecond at a time, with the count the controller
/// chooses (or a pinned count): the retries of the engine included (a refused request is sent again 5 s later,
/// a 429 after its Retry-After of 1 s).
/// </summary>
internal sealed class PacedRun
{
    private const int RefusedRetryMs = 5000, ThrottledRetryMs = 1000;

    private readonly SimServer _server;
    private readonly FakeTimeProvider _time = new();
    private readonly ConcurrencyController? _controller;
    private readonly int? _pinned;
    private readonly List<Lane> _lanes = new();

    private PacedRun(SimServer server, int? pinned)
    {
        _server = server;
        _pinned = pinned;
        if (pinned is null) _controller = new ConcurrencyController(UploadOptions.MaxConcurrentUploads, _time);
    }

    /// <summary>The count at each millisecond.</summary>
    public List<int> LimitAt { get; } = new();
    public List<ConcurrencyChange> Changes { get; } = new();
    public int MostRunning { get; private set; }
    public int Requests { get; private set; }
    public int Refused { get; private set; }
    public double Seconds { get; private set; }
    public double FilesPerSecond => _server.Files / Seconds;
    public int Limit => _pinned ?? _controller!.Limit;

    public static PacedRun Paced(SimServer server) => new PacedRun(server, null).Run();

    public static PacedRun Pinned(SimServer server, int count) => new PacedRun(server, count).Run();

    private PacedRun Run()
    {
        var started = 0;
        var ended = 0;
        for (var ms = 0; ended < _server.Files; ms++)
        {
            if (ms > 3_600_000) throw new InvalidOperationException("The simulated batch did not end within an hour.");
            foreach (var lane in _lanes.Where(l => l.EndsAt == ms).ToList())
            {
                if (lane.Waiting) Send(lane, ms);
                else if (Answer(lane, ms) && ++lane.Step == 2)
                {
                    _lanes.Remove(lane);
                    ended++;
                    Note(_controller?.FileEnded(_server.FileBytes, TimeSpan.FromMilliseconds(ms - lane.StartedAt)));
                }
                else if (!lane.Waiting) Send(lane, ms);
            }
            while (_lanes.Count < Limit && started < _server.Files)
            {
                started++;
                var lane = new Lane { StartedAt = ms };
                _lanes.Add(lane);
                _controller?.FileStarted();
                Send(lane, ms);
            }
            MostRunning = Math.Max(MostRunning, _lanes.Count);
            LimitAt.Add(Limit);
            _time.Advance(TimeSpan.FromMilliseconds(1));
            Seconds = (ms + 1) / 1000.0;
        }
        return this;
    }

    /// <summary>Sends the lane's current request: its answer comes after the latency and its share of the work.</summary>
    private void Send(Lane lane, int ms)
    {
        var now = ms / 1000.0;
        var atServer = _lanes.Count(l => l.AtServer) + 1;
        lane.Waiting = false;
        lane.SentAt = ms;
        lane.Answer = _server.Storm(now) ? 429 : atServer > _server.Capacity ? 503 : 200;
        lane.AtServer = lane.Answer == 200;
        var work = _server.LinkBytesPerMs is { } link && lane.Step == 0
            ? _server.FileBytes * atServer / link
            : _server.CostMs(now) * atServer;
        lane.EndsAt = ms + Math.Max(1, (int)Math.Round(_server.LatencyMs(now) + (lane.AtServer ? work : 0)));
        Requests++;
    }

    /// <summary>Tells the controller how the lane's request went; false when it waits to be sent again.</summary>
    private bool Answer(Lane lane, int ms)
    {
        lane.AtServer = false;
        var took = TimeSpan.FromMilliseconds(ms - lane.SentAt);
        if (lane.Answer == 200)
        {
            Note(_controller?.RequestEnded(took, null));
            return true;
        }
        Refused++;
        var failure = new SynapseClientException(SynapseErrorKind.ServerError, "refused", lane.Answer,
            retryAfter: lane.Answer == 429 ? TimeSpan.FromSeconds(1) : null);
        Note(_controller?.RequestEnded(took, failure));
        lane.Waiting = true;
        lane.EndsAt = ms + (lane.Answer == 429 ? ThrottledRetryMs : RefusedRetryMs);
        return false;
    }

    private void Note(ConcurrencyChange? change)
    {
        if (change is not null) Changes.Add(change);
    }

    /// <summary>The highest count between two moments (seconds).</summary>
    public int MostBetween(double from, double to) => LimitAt.Skip((int)(from * 1000)).Take((int)((to - from) * 1000)).Max();

    public int LimitAtSecond(double t) => LimitAt[Math.Min(LimitAt.Count - 1, (int)(t * 1000))];

    private sealed class Lane
    {
        public int Step;
        public int StartedAt;
        public int SentAt;
        public int EndsAt;
        public int Answer;
        public bool AtServer;
        public bool Waiting;
    }
}
