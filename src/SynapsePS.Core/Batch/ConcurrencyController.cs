using System;
using System.Globalization;

namespace SynapsePS.Batch;

/// <summary>
/// How many uploads a batch runs at once when -ThrottleLimit does not pin it. No I/O of its own: it is told when
/// files start and end and how each request went, and it answers with the new count when the count changes.
/// </summary>
/// <remarks>
/// The model is AIMD, as TCP's congestion control: a slow start (×1.5 per measurement) while files (or bytes) per
/// second rise with the count, then probes up (×1.25) kept when they raise the rate or (as a gradient model such as
/// Netflix's Gradient2 reads it) leave the answer time as it was, probes down kept when the rate holds without them, and a multiplicative decrease when the server pushes back: halved after a 429, a
/// gateway's or busy server's 5xx, a failed connection or a timeout; a quarter less when its answers slow down
/// sharply (the mean answer four times as long and 50 ms longer, with no gain in rate). After a push-back the count
/// climbs back by one per measurement up to just below the level that drew it and stays there for a while (longer
/// each time), so a server with a fixed capacity is seldom probed.
/// A measurement ("epoch") starts once every lane of a new count is busy and ends once every lane has had about
/// one request and half of them a whole file; its rate is the files at once over the time each took (Little's
/// law). An epoch in which the lanes were not all busy teaches nothing about more lanes, so the count never grows
/// past the files waiting for one.
/// </remarks>
internal sealed class ConcurrencyController
{
    /// <summary>The count a batch starts at: small, but enough for two round trips per file to overlap.</summary>
    public const int Initial = 4;

    private const double SlowStartStep = 1.5;
    private const double ProbeStep = 1.25;
    private const double PushBackFactor = 0.5;
    private const double SlowdownFactor = 0.75;
    private const double HoldsRate = 0.97;
    private const double SlowerRate = 0.9;
    private static readonly TimeSpan QueueingMargin = TimeSpan.FromMilliseconds(1);
    private const double SlowdownRatio = 4;
    private static readonly TimeSpan SlowdownMargin = TimeSpan.FromMilliseconds(50);
    private const int MinEpochRequests = 8;
    private const int MinEpochFiles = 4;
    private static readonly TimeSpan MinEpoch = TimeSpan.FromMilliseconds(50);
    // Probes are cheap (one epoch at one step more; a push-back has its own, longer hold), and on a busy client one
    // noisy epoch can undo a good step: try again soon rather than wait out a long backoff.
    private static readonly TimeSpan FirstProbeWait = TimeSpan.FromSeconds(0.5);
    private static readonly TimeSpan LongestProbeWait = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan FirstPushBackHold = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan LongestPushBackHold = TimeSpan.FromMinutes(10);

    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly int _ceiling;
    private int _limit;
    private int _running;
    private bool _slowStart = true;

    // The epoch being measured.
    private long _epochStart;
    private int _epochRequests;
    private double _epochRequestSeconds;
    private int _epochFiles;
    private long _epochBytes;
    private int _epochMostRunning;
    private double _epochFileSeconds;
    private double _epochRunningArea;
    private long _runningSince;

    // The count last measured to be worth it, its rates and its mean answer time; a probe is measured against them.
    private int _base;
    private double? _baseFiles;
    private double _baseBytes;
    private double _baseMean;
    private bool _probing;
    private bool _probeDownNext;
    private bool _filling;
    private long _nextProbe;
    private TimeSpan _probeWait = FirstProbeWait;

    // Push-back: one decrease per round (requests begun before it are already answered for), and the level it came at.
    private long _lastDecrease = long.MinValue;
    private int _pushedBackAt = int.MaxValue;
    private long _holdUntil;
    private TimeSpan _hold = FirstPushBackHold;

    /// <param name="ceiling">The most uploads at once, ever (<see cref="UploadOptions.MaxConcurrentUploads"/>).</param>
    public ConcurrencyController(int ceiling, TimeProvider? time = null)
    {
        if (ceiling < 1) throw new ArgumentOutOfRangeException(nameof(ceiling));
        _time = time ?? TimeProvider.System;
        _ceiling = ceiling;
        _limit = _base = Math.Min(Initial, ceiling);
        _epochStart = _runningSince = _time.GetTimestamp();
    }

    /// <summary>How many uploads may run at once now.</summary>
    public int Limit
    {
        get { lock (_lock) return _limit; }
    }

    /// <summary>A file started on a lane.</summary>
    public void FileStarted()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            CountRunning(now);
            _running++;
            _epochMostRunning = Math.Max(_epochMostRunning, _running);
            // A higher count is measured from when its lanes are all busy, not while they fill.
            if (_filling && _running >= _limit)
            {
                _filling = false;
                StartEpoch(now);
            }
        }
    }

    /// <summary>
    /// A file's upload ended (uploaded or failed) after sending <paramref name="bytes"/> in <paramref name="took"/> on
    /// its lane; null or the change it led to.
    /// </summary>
    public ConcurrencyChange? FileEnded(long bytes, TimeSpan took)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            CountRunning(now);
            _running--;
            // Only files that started within the epoch tell of its count: one begun before a change met the old one.
            if (now - Ticks(took) < _epochStart) return null;
            _epochFiles++;
            _epochBytes += bytes;
            _epochFileSeconds += took.TotalSeconds;
            return EndEpochIfDue(now);
        }
    }

    /// <summary>A request attempt ended after <paramref name="took"/>, failed with <paramref name="failure"/> or not.</summary>
    public ConcurrencyChange? RequestEnded(TimeSpan took, SynapseClientException? failure)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            if (failure is not null && PushBack(failure) is { } why)
            {
                // Requests sent before the last decrease met the old count: that round has been answered for.
                if (now - Ticks(took) < _lastDecrease) return null;
                return Decrease(now, why, PushBackFactor, holds: failure.RetryAfter is null);
            }
            _epochRequests++;
            _epochRequestSeconds += took.TotalSeconds;
            return EndEpochIfDue(now);
        }
    }

    /// <summary>Why a failure is the server pushing back, or null when it is about the request or the file.</summary>
    internal static string? PushBack(SynapseClientException failure) => failure.StatusCode switch
    {
        429 => "the server answered 429 (too many requests)",
        502 or 503 or 504 => $"the server answered {failure.StatusCode}",
        null when failure.Kind == SynapseErrorKind.RequestTimedOut => "a request timed out",
        null when failure.Kind == SynapseErrorKind.ConnectionFailed => "a connection failed",
        _ => null,
    };

    private ConcurrencyChange? EndEpochIfDue(long now)
    {
        if (_filling) return null;
        var elapsed = now - _epochStart;
        if (_epochRequests < Math.Max(MinEpochRequests, _limit) || _epochFiles < Math.Max(MinEpochFiles, _limit / 2)
            || elapsed < Ticks(MinEpoch)) return null;
        // The rate by Little's law: the files uploading at once over the time each took. Steadier than the files that
        // happened to end within the epoch, which come in clumps when every lane waits the same round trip.
        CountRunning(now);
        var running = _epochRunningArea / elapsed;
        var files = _epochFileSeconds > 0 ? running * _epochFiles / _epochFileSeconds : 0;
        var bytes = files * _epochBytes / _epochFiles;
        var mean = _epochRequestSeconds / _epochRequests;
        var busy = _epochMostRunning >= _limit;
        StartEpoch(now);
        // Lanes left idle for want of files teach nothing about more lanes.
        if (!busy) return null;

        if (_probing)
        {
            _probing = false;
            var gain = Gain(files, bytes);
            var up = _limit > _base;
            // Up: kept when the rate rose by a third of the step at least, or (the gradient's view, steadier on a busy
            // client) when the answers took no longer, so the server queued nothing, and the rate did not fall.
            // Down: kept when the rate held without them.
            // A server that queues makes each answer take longer in step with the count; a third of that step is the line.
            var step = _limit / (double)_base;
            var queued = mean > _baseMean * (1 + (step - 1) / 3) + QueueingMargin.TotalSeconds;
            var kept = up
                ? gain >= 1 + (step - 1) / 3 || (!queued && gain >= SlowerRate)
                : gain >= HoldsRate;
            if (kept)
            {
                if (_limit >= _pushedBackAt) _pushedBackAt = int.MaxValue;   // the level that drew a push-back is fine now
                _base = _limit;
                Measured(files, bytes, mean);
                _probeWait = FirstProbeWait;
                // Going on in the same direction while it pays.
                return up ? Probe(now) : ProbeDown();
            }
            var from = _limit;
            _limit = _base;
            _slowStart = false;
            // A step up that made the batch slower (not merely no faster) says the server is past its best: try fewer next.
            _probeDownNext = up && gain < SlowerRate;
            _nextProbe = now + Ticks(_probeWait);
            _probeWait = Twice(_probeWait, LongestProbeWait);
            return new ConcurrencyChange(from, _limit, up
                ? $"more uploads added no throughput ({Rate(files)} files/s at {from}, {Rate(_baseFiles ?? 0)} at {_limit})"
                : $"fewer uploads went slower ({Rate(files)} files/s at {from}, {Rate(_baseFiles ?? 0)} at {_limit})");
        }

        if (_baseFiles is not null && mean > SlowdownRatio * _baseMean && mean - _baseMean > SlowdownMargin.TotalSeconds && Gain(files, bytes) <= 1)
        {
            _probeDownNext = true;
            return Decrease(now, $"the answers slowed down from {Millis(_baseMean)} to {Millis(mean)}", SlowdownFactor, holds: false);
        }
        if (_baseFiles is null) Measured(files, bytes, mean);
        else Measured((_baseFiles.Value + files) / 2, (_baseBytes + bytes) / 2, (_baseMean + mean) / 2);
        // Below the level that drew a push-back the count climbs back by one per epoch: that much was fine before.
        if (now < _holdUntil && _limit < Math.Min(_ceiling, _pushedBackAt - 1))
        {
            _base = ++_limit;
            return new ConcurrencyChange(_limit - 1, _limit, $"climbing back towards {_pushedBackAt - 1}");
        }
        if (now < _nextProbe) return null;
        if (_probeDownNext)
        {
            _probeDownNext = false;
            return ProbeDown();
        }
        return Probe(now);
    }

    /// <summary>Tries a higher count if one is allowed; measured by the next epoch.</summary>
    private ConcurrencyChange? Probe(long now)
    {
        // Past a push-back's hold, the level that drew it is tried again alone; otherwise the ceiling bounds the step.
        var cap = _pushedBackAt <= _ceiling ? (now < _holdUntil ? _pushedBackAt - 1 : _pushedBackAt) : _ceiling;
        var to = Math.Min(cap, Math.Max(_limit + 1, (int)Math.Round(_limit * (_slowStart ? SlowStartStep : ProbeStep))));
        if (to <= _limit) return null;
        var from = _limit;
        _limit = to;
        _probing = true;
        _filling = true;
        return new ConcurrencyChange(from, to, $"trying more ({Rate(_baseFiles ?? 0)} files/s at {from})");
    }

    /// <summary>Tries a lower count: as fast with fewer uploads is kinder to the server.</summary>
    private ConcurrencyChange? ProbeDown()
    {
        var to = Math.Min(_limit - 1, (int)Math.Round(_limit / ProbeStep));
        if (to < 1) return null;
        var from = _limit;
        _limit = to;
        _probing = true;
        return new ConcurrencyChange(from, to, $"trying fewer ({Rate(_baseFiles ?? 0)} files/s at {from})");
    }

    /// <param name="holds">Whether the level that drew this stays out of bounds for a while: not after a Retry-After,
    /// which the whole call waits out anyway and which says "later" rather than "fewer".</param>
    private ConcurrencyChange? Decrease(long now, string why, double factor, bool holds)
    {
        var from = _limit;
        var to = Math.Max(1, Math.Min(from - 1, (int)(from * factor)));
        if (holds)
        {
            // Stay below the level that drew the push-back for a while, longer each time a probe draws it again.
            if (_pushedBackAt != int.MaxValue && now >= _holdUntil) _hold = Twice(_hold, LongestPushBackHold);
            _pushedBackAt = from;
            _holdUntil = now + Ticks(_hold);
        }
        _lastDecrease = now;
        _slowStart = false;
        _probing = false;
        _filling = false;
        _base = _limit = Math.Max(1, to);
        _baseFiles = null;
        _nextProbe = now;
        _probeWait = FirstProbeWait;
        StartEpoch(now);
        return to == from ? null : new ConcurrencyChange(from, to, why);
    }

    private void StartEpoch(long now)
    {
        _epochStart = now;
        _epochRequests = 0;
        _epochRequestSeconds = 0;
        _epochFiles = 0;
        _epochBytes = 0;
        _epochMostRunning = _running;
        _epochFileSeconds = 0;
        _epochRunningArea = 0;
        _runningSince = now;
    }

    /// <summary>Adds the files running since the last count to the epoch's time-weighted running count.</summary>
    private void CountRunning(long now)
    {
        _epochRunningArea += _running * (double)(now - _runningSince);
        _runningSince = now;
    }

    private void Measured(double files, double bytes, double mean)
    {
        _baseFiles = files;
        _baseBytes = bytes;
        _baseMean = mean;
    }

    /// <summary>How much faster this epoch went than the base: by files or by bytes, whichever rose more.</summary>
    private double Gain(double files, double bytes)
    {
        if (_baseFiles is not { } baseFiles || baseFiles <= 0) return double.PositiveInfinity;
        var byFiles = files / baseFiles;
        return _baseBytes > 0 ? Math.Max(byFiles, bytes / _baseBytes) : byFiles;
    }

    private long Ticks(TimeSpan t) => (long)(t.TotalSeconds * _time.TimestampFrequency);

    private static TimeSpan Twice(TimeSpan t, TimeSpan most) => t + t > most ? most : t + t;

    private static string Rate(double perSecond) => perSecond.ToString(perSecond < 10 ? "0.0" : "0", CultureInfo.InvariantCulture);

    private static string Millis(double seconds) => (seconds * 1000).ToString("0", CultureInfo.InvariantCulture) + " ms";
}
