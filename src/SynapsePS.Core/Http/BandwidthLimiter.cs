using System;
using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Http;

/// <summary>
/// A token bucket shared by every upload of one client, so a batch's concurrent uploads together stay under the
/// cap. Writers reserve bytes before writing them and, when the budget is spent, sleep (Task.Delay, cancellable)
/// until it has refilled: no spinning. The bucket holds at most one slice, so an idle moment (a server's answer
/// between chunks) lends little, and the rate over any second stays close to the cap.
/// </summary>
internal sealed class BandwidthLimiter
{
    // Waits are cut into steps this long, each one telling the request it is alive (its inactivity watchdog).
    private static readonly TimeSpan MaxWaitStep = TimeSpan.FromMilliseconds(200);

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly double _capacity;
    private double _tokens;
    private TimeSpan _last;

    /// <param name="time">The clock the budget refills by and waits on; the system's unless a test gives another.</param>
    public BandwidthLimiter(long bytesPerSecond, TimeProvider? time = null)
    {
        if (bytesPerSecond < 1) throw new ArgumentOutOfRangeException(nameof(bytesPerSecond));
        _time = time ?? TimeProvider.System;
        _start = _time.GetTimestamp();
        BytesPerSecond = bytesPerSecond;
        // A tenth of a second's worth, at most a block: small caps move smoothly, large ones wake rarely.
        SliceSize = (int)Math.Max(1, Math.Min(ChunkBody.BlockSize, bytesPerSecond / 10));
        _capacity = SliceSize;
        _tokens = _capacity;
    }

    public long BytesPerSecond { get; }

    /// <summary>The most bytes to write at once under this cap.</summary>
    public int SliceSize { get; }

    /// <summary>
    /// Takes <paramref name="count"/> bytes from the budget, waiting until the budget covers them. Calls
    /// <paramref name="waiting"/> at least every 200 ms while it waits. A cancelled wait gives its bytes back.
    /// </summary>
    public Task WaitAsync(int count, Action? waiting, CancellationToken ct)
    {
        TimeSpan wait;
        lock (_gate)
        {
            var now = Elapsed;
            _tokens = Math.Min(_capacity, _tokens + (now - _last).TotalSeconds * BytesPerSecond);
            _last = now;
            _tokens -= count;
            if (_tokens >= 0) return Task.CompletedTask;
            wait = TimeSpan.FromSeconds(-_tokens / BytesPerSecond);
        }
        return SleepAsync(wait, count, waiting, ct);
    }

    private async Task SleepAsync(TimeSpan wait, int count, Action? waiting, CancellationToken ct)
    {
        var until = Elapsed + wait;
        try
        {
            for (var left = wait; left > TimeSpan.Zero; left = until - Elapsed)
            {
                waiting?.Invoke();
                // Whole milliseconds, rounded up: a shorter delay would return at once and spin.
                var step = left < MaxWaitStep ? TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)) : MaxWaitStep;
                await DelayAsync(step, ct).ConfigureAwait(false);
            }
            waiting?.Invoke();
        }
        catch (OperationCanceledException)
        {
            lock (_gate) _tokens = Math.Min(_capacity, _tokens + count);
            throw;
        }
    }

    private TimeSpan Elapsed => _time.GetElapsedTime(_start);

    private Task DelayAsync(TimeSpan delay, CancellationToken ct) => _time.DelayAsync(delay, ct);
}
