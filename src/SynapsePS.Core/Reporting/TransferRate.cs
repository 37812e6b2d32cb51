using System;
using System.Collections.Generic;

namespace SynapsePS.Reporting;

/// <summary>
/// The rate over the last few seconds (a sliding window), from a running total of bytes: what a status line calls
/// "current", as opposed to the average since the start, which hides a stall or an outage for hours. Keeps at most
/// a few dozen samples however often it is fed. Thread-safe.
/// </summary>
internal sealed class TransferRate
{
    private const int SamplesPerWindow = 32;

    private readonly object _lock = new();
    private readonly List<(long Ticks, long Bytes)> _samples = new();
    private readonly TimeProvider _time;
    private readonly long _windowTicks;
    private readonly long _spacingTicks;

    public TransferRate(TimeSpan window, TimeProvider? time = null)
    {
        if (window <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(window));
        _time = time ?? TimeProvider.System;
        _windowTicks = (long)(window.TotalSeconds * _time.TimestampFrequency);
        _spacingTicks = Math.Max(1, _windowTicks / SamplesPerWindow);
    }

    /// <summary>Notes the running total of bytes moved so far.</summary>
    public void Record(long totalBytes)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            // Samples closer together than the spacing add nothing but memory: the newest replaces the last one.
            if (_samples.Count >= 2 && now - _samples[_samples.Count - 1].Ticks < _spacingTicks && now - _samples[_samples.Count - 2].Ticks < _spacingTicks)
                _samples[_samples.Count - 1] = (now, totalBytes);
            else
                _samples.Add((now, totalBytes));
            Prune(now);
        }
    }

    /// <summary>Bytes per second over the window up to now; zero until two samples lie apart.</summary>
    public double BytesPerSecond
    {
        get
        {
            lock (_lock)
            {
                if (_samples.Count == 0) return 0;
                var now = _time.GetTimestamp();
                Prune(now);
                var (firstTicks, firstBytes) = _samples[0];
                var elapsed = now - firstTicks;
                if (elapsed <= 0) return 0;
                var moved = _samples[_samples.Count - 1].Bytes - firstBytes;
                return Math.Max(0, moved) * (double)_time.TimestampFrequency / Math.Max(elapsed, _windowTicks / SamplesPerWindow);
            }
        }
    }

    // Keeps one sample at or before the window's start, as the baseline the window's bytes are counted from.
    private void Prune(long now)
    {
        var start = now - _windowTicks;
        var drop = 0;
        while (drop + 1 < _samples.Count && _samples[drop + 1].Ticks <= start) drop++;
        if (drop > 0) _samples.RemoveRange(0, drop);
    }
}
