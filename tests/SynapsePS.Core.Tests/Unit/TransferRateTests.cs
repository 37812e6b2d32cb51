using Microsoft.Extensions.Time.Testing;
using SynapsePS.Reporting;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>The current rate over a sliding window, on a fake clock.</summary>
public sealed class TransferRateTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void The_rate_is_that_of_the_window_not_of_the_whole_run()
    {
        var rate = new TransferRate(TimeSpan.FromSeconds(10), _time);
        long total = 0;
        for (var s = 0; s < 60; s++)   // a minute at 1 MB/s ...
        {
            rate.Record(total);
            _time.Advance(TimeSpan.FromSeconds(1));
            total += 1_000_000;
        }
        for (var s = 0; s < 20; s++)   // ... then 20 s at 100 kB/s
        {
            rate.Record(total);
            _time.Advance(TimeSpan.FromSeconds(1));
            total += 100_000;
        }
        rate.Record(total);

        Assert.InRange(rate.BytesPerSecond, 95_000, 105_000);
    }

    [Fact]
    public void A_stall_brings_the_rate_down_to_zero_within_the_window()
    {
        var rate = new TransferRate(TimeSpan.FromSeconds(10), _time);
        rate.Record(0);
        _time.Advance(TimeSpan.FromSeconds(5));
        rate.Record(5_000_000);
        Assert.InRange(rate.BytesPerSecond, 990_000, 1_010_000);

        _time.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal(0, rate.BytesPerSecond);
    }

    [Fact]
    public void Nothing_recorded_is_no_rate()
    {
        var rate = new TransferRate(TimeSpan.FromSeconds(10), _time);
        Assert.Equal(0, rate.BytesPerSecond);
        rate.Record(1000);
        Assert.Equal(0, rate.BytesPerSecond);
    }

    [Fact]
    public void Frequent_records_keep_the_rate_right()
    {
        var rate = new TransferRate(TimeSpan.FromSeconds(10), _time);
        for (var ms = 0; ms <= 20_000; ms += 10)   // a record every 10 ms at 2 MB/s
        {
            rate.Record(ms * 2_000L);
            _time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.InRange(rate.BytesPerSecond, 1_900_000, 2_100_000);
    }
}
