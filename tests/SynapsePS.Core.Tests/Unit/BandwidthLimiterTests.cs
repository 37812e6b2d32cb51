using System.Diagnostics;
using SynapsePS.Http;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>The token bucket alone: rate, slices, cancellation (no server needed).</summary>
public sealed class BandwidthLimiterTests
{
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
        var limiter = new BandwidthLimiter(1024 * 1024);
        var alive = 0;
        var clock = Stopwatch.StartNew();
        for (var sent = 0; sent < 1536 * 1024; sent += limiter.SliceSize)
            await limiter.WaitAsync(limiter.SliceSize, () => alive++, CancellationToken.None);
        // 1.5 MiB at 1 MiB/s, less the one slice the bucket starts with.
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.3, 4.0);
        Assert.True(alive >= 10, $"the waiting callback ran {alive} times");
    }

    [Fact]
    public async Task Concurrent_writers_share_the_cap()
    {
        var limiter = new BandwidthLimiter(1024 * 1024);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            for (var sent = 0; sent < 384 * 1024; sent += limiter.SliceSize)
                await limiter.WaitAsync(limiter.SliceSize, null, CancellationToken.None);
        }));
        Assert.InRange(clock.Elapsed.TotalSeconds, 1.3, 4.0);
    }

    [Fact]
    public async Task A_cancelled_wait_ends_at_once_and_gives_its_bytes_back()
    {
        var limiter = new BandwidthLimiter(1024);
        await limiter.WaitAsync(limiter.SliceSize, null, CancellationToken.None);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => limiter.WaitAsync(60 * 1024, null, cts.Token));   // a minute's worth
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the wait ended {clock.Elapsed.TotalSeconds:0.00} s after it began");
    }
}
