using SynapsePS.Http;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>
/// The token bucket alone, on a fake clock: how long the cap makes writers wait, shared or not, and what a cancelled
/// wait gives back. The clock moves a millisecond at a time, so each wait ends within a millisecond of when it is due.
/// (The cap on real uploads, in real time, is BandwidthTests'.)
/// </summary>
public sealed class BandwidthLimiterTests
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan Never = TimeSpan.FromMinutes(10);

    private readonly ParkingClock _time = new();

    /// <summary>
    /// Moves the fake clock a tick at a time until every writer has ended, and only while each writer still running
    /// sleeps on it: a writer that another thread runs has taken its next wait before the clock moves on. Returns how
    /// much time the writers took on the fake clock.
    /// </summary>
    private async Task<TimeSpan> RunToEndAsync(params Task[] writers)
    {
        var start = _time.GetUtcNow();
        bool Running(out int count) => (count = writers.Count(w => !w.IsCompleted)) > 0;
        while (Running(out _))
        {
            if (_time.GetUtcNow() - start > Never) throw new TimeoutException("the writers did not end within ten minutes of the fake clock");
            if (!SpinWait.SpinUntil(() => !Running(out var running) || _time.Sleeping >= running, TimeSpan.FromSeconds(10)))
                throw new TimeoutException("a writer neither ended nor slept on the clock");
            if (Running(out _)) _time.Advance(Tick);
        }
        await Task.WhenAll(writers);
        return _time.GetUtcNow() - start;
    }

    [Fact]
    public void Slices_are_a_tenth_of_a_second_and_at_most_a_block()
    {
        Assert.Equal(102_400, new BandwidthLimiter(1_024_000).SliceSize);
        Assert.Equal(ChunkBody.BlockSize, new BandwidthLimiter(50L * 1024 * 1024).SliceSize);
        Assert.Equal(102, new BandwidthLimiter(1024).SliceSize);
    }

    [Fact]
    public async Task Takes_as_long_as_the_cap_says_and_reports_that_it_is_waiting()
    {
        var limiter = new BandwidthLimiter(1024 * 1024, _time);
        var alive = 0;

        var took = await RunToEndAsync(Task.Run(async () =>
        {
            for (var sent = 0; sent < 1536 * 1024; sent += limiter.SliceSize)
                await limiter.WaitAsync(limiter.SliceSize, () => Interlocked.Increment(ref alive), CancellationToken.None).ConfigureAwait(false);
        }));

        // 1.5 MiB is 16 slices of a tenth of a second at 1 MiB/s; the bucket starts with the first: 1.5 s.
        Assert.InRange(took.TotalSeconds, 1.49, 1.52);
        Assert.True(alive >= 2 * 15, $"the waiting callback ran {alive} times for 15 waits");
    }

    [Fact]
    public async Task Concurrent_writers_share_the_cap()
    {
        var limiter = new BandwidthLimiter(1024 * 1024, _time);

        var took = await RunToEndAsync(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var sent = 0; sent < 384 * 1024; sent += limiter.SliceSize)
                await limiter.WaitAsync(limiter.SliceSize, null, CancellationToken.None).ConfigureAwait(false);
        })).ToArray());

        // Four writers of four slices each: 16 slices at 1 MiB/s, as long as one writer of them all would take.
        Assert.InRange(took.TotalSeconds, 1.49, 1.52);
    }

    [Fact]
    public async Task A_cancelled_wait_ends_without_the_clock_moving_and_gives_its_bytes_back()
    {
        var limiter = new BandwidthLimiter(1024, _time);
        await limiter.WaitAsync(limiter.SliceSize, null, CancellationToken.None);   // the bucket is empty now
        using var cts = new CancellationTokenSource();
        var minute = limiter.WaitAsync(60 * 1024, null, cts.Token);

        cts.Cancel();
        var cancelled = await Record.ExceptionAsync(() => minute.WaitAsync(TimeSpan.FromSeconds(10)));
        var next = await RunToEndAsync(limiter.WaitAsync(limiter.SliceSize, null, CancellationToken.None));

        Assert.IsAssignableFrom<OperationCanceledException>(cancelled);
        // Had the minute's bytes stayed spent, the next slice would wait a minute; given back, a tenth of a second.
        Assert.InRange(next.TotalSeconds, 0.09, 0.11);
    }
}
