using SynapsePS.Resilience;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>The words a runbook's log shows for an outage: its start, its end, and the call giving up.</summary>
public sealed class OutageMessagesTests
{
    private const string Server = "https://synapse.test";
    private static readonly DateTimeOffset LastAnswer = new(2026, 12, 1, 3, 12, 5, TimeSpan.Zero);
    private static readonly string Local = LastAnswer.ToLocalTime().ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void The_warning_says_since_when_why_how_many_and_how_long()
    {
        var refused = new SynapseClientException(SynapseErrorKind.ConnectionFailed, "Connection refused (synapse.test:443).");

        var text = OutageMessages.Began(new OutageBeganEventArgs(Server, LastAnswer, refused, 4, TimeSpan.FromMinutes(30)));

        Assert.Equal($"The server at {Server} has not answered since {Local} (Connection refused (synapse.test:443)); " +
            "4 uploads paused; waiting up to 30 min.", text);
    }

    [Fact]
    public void An_answered_failure_is_named_by_its_status()
    {
        var unavailable = new SynapseClientException(SynapseErrorKind.ServerError, "The server answered 503.", statusCode: 503);

        var text = OutageMessages.Began(new OutageBeganEventArgs(Server, LastAnswer, unavailable, 1, TimeSpan.FromMinutes(30)));

        Assert.Contains("(HTTP 503); 1 upload paused;", text);
    }

    [Fact]
    public void The_end_says_how_long_the_server_was_away()
    {
        var text = OutageMessages.Ended(new OutageEndedEventArgs(Server, LastAnswer, LastAnswer + TimeSpan.FromSeconds(432)));

        Assert.Equal($"The server at {Server} is back after 7 min 12 s; the paused uploads go on.", text);
    }

    [Fact]
    public void Giving_up_names_the_time_away_the_limit_and_the_last_failure_and_keeps_its_status()
    {
        var last = new SynapseClientException(SynapseErrorKind.ServerError, "The server answered 504.", statusCode: 504, detail: "gateway");

        var ex = OutageMessages.GaveUp(Server, LastAnswer, LastAnswer + TimeSpan.FromSeconds(1804), TimeSpan.FromMinutes(30), last);

        Assert.Equal(SynapseErrorKind.ServerUnavailable, ex.Kind);
        Assert.Equal("ServerUnavailable", ex.ErrorId);
        Assert.Equal(504, ex.StatusCode);
        Assert.Equal("gateway", ex.Detail);
        Assert.Same(last, ex.InnerException);
        Assert.Contains($"has not answered for 30 min 4 s (since {Local}), past the outage limit of 30 min.", ex.Message);
        Assert.Contains("The last failure: The server answered 504.", ex.Message);
        Assert.Contains("run the same command again", ex.Message);
    }

    [Theory]
    [InlineData(45, "45 s")]
    [InlineData(1804, "30 min 4 s")]
    [InlineData(1800, "30 min")]
    [InlineData(3900, "1 h 5 min")]
    public void Durations_read_to_the_second(int seconds, string expected) =>
        Assert.Equal(expected, OutageMessages.Describe(TimeSpan.FromSeconds(seconds)));
}
