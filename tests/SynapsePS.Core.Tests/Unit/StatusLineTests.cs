using System.Globalization;
using SynapsePS.Reporting;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>The status line a batch writes for logs: what it says, in the invariant culture.</summary>
public sealed class StatusLineTests
{
    private const long GiB = 1024L * 1024 * 1024;
    private const long MiB = 1024L * 1024;
    private static readonly DateTimeOffset Noon = new(2026, 12, 1, 12, 3, 5, TimeSpan.Zero);
    private static readonly string NoonHere = Noon.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    [Fact]
    public void A_line_with_totals_names_counts_bytes_rate_and_time_left()
    {
        var status = new BatchStatus(uploaded: 409, skipped: 3, failed: 0, inFlight: 4, waitingForAnotherRun: 0,
            bytesDone: (long)(3.1 * GiB), bytesPerSecond: 1.4 * MiB, totalFiles: 1200, totalBytes: (long)(9.8 * GiB));

        var line = StatusLine.Format(status, Noon);

        // 6.7 GiB at 1.4 MiB/s is 4,900 s.
        Assert.Equal($"{NoonHere} 412 of 1,200 files (3 skipped, 0 failed, 4 in flight), 3.1 of 9.8 GiB, 1.4 MiB/s, about 1 h 22 min left", line);
    }

    [Fact]
    public void Without_totals_there_is_no_time_left_and_the_bytes_stand_alone()
    {
        var status = new BatchStatus(1, 0, 2, 1, 5, bytesDone: 1536, bytesPerSecond: 0);

        var line = StatusLine.Format(status, Noon);

        Assert.Equal($"{NoonHere} 3 files (0 skipped, 2 failed, 1 in flight, 5 waiting for another run), 1.5 KiB done, 0 B/s", line);
    }

    [Fact]
    public void While_the_server_is_away_the_line_says_since_when_instead_of_the_time_left()
    {
        var since = new DateTimeOffset(2026, 12, 1, 3, 12, 5, TimeSpan.Zero);
        var status = new BatchStatus(10, 0, 0, 4, 0, 10 * MiB, 0, totalFiles: 20, totalBytes: 20 * MiB, waitingForServerSince: since);

        var line = StatusLine.Format(status, Noon);

        Assert.EndsWith($", waiting for the server since {since.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)}", line);
        Assert.DoesNotContain("left", line);
    }

    [Fact]
    public void The_line_reads_the_same_in_every_culture()
    {
        var status = new BatchStatus(1234, 0, 0, 0, 0, (long)(2.5 * GiB), 3.5 * MiB, totalFiles: 5000, totalBytes: 10 * GiB);
        var saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = new CultureInfo("de-DE");
            Assert.Equal($"{NoonHere} 1,234 of 5,000 files (0 skipped, 0 failed, 0 in flight), 2.5 of 10.0 GiB, 3.5 MiB/s, about 37 min left",
                StatusLine.Format(status, Noon));
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    [Theory]
    [InlineData(30, "less than a minute left")]
    [InlineData(90, "about 2 min left")]
    [InlineData(3600, "about 1 h left")]
    [InlineData(9900, "about 2 h 45 min left")]
    public void Time_left_is_rounded_to_the_minute(int seconds, string expected) =>
        Assert.Equal(expected, StatusLine.Remaining(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1.0 KiB")]
    [InlineData(5L * 1024 * 1024 * 1024 * 1024, "5.0 TiB")]
    public void Bytes_take_the_largest_binary_unit_below_them(long bytes, string expected) =>
        Assert.Equal(expected, StatusLine.Bytes(bytes));

    [Fact]
    public void Done_and_total_share_the_unit_of_the_total() =>
        Assert.Equal("0.5 of 2.0 GiB", StatusLine.BytesOf(512 * MiB, 2 * GiB));
}
