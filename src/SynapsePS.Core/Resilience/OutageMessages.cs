using System;
using System.Globalization;

namespace SynapsePS.Resilience;

/// <summary>
/// The words of an outage, in one place: the warning when it begins, the line when it ends and the error when the
/// call gives up. Times are the machine's local clock, as a runbook's log shows them.
/// </summary>
internal static class OutageMessages
{
    /// <summary>"The server at https://… has not answered since 03:12:05 (connection refused); 4 uploads paused; waiting up to 30 min."</summary>
    public static string Began(OutageBeganEventArgs e) =>
        $"The server at {e.Server} has not answered since {Clock(e.LastAnswer)} ({Reason(e.Failure)}); " +
        $"{e.UploadsPaused} {(e.UploadsPaused == 1 ? "upload" : "uploads")} paused; waiting up to {Describe(e.WaitingUpTo)}.";

    /// <summary>"The server at https://… is back after 7 min 12 s; the paused uploads go on.", or why the wait ended without it.</summary>
    public static string Ended(OutageEndedEventArgs e) => e.RefusesTheCall
        ? $"The server at {e.Server} took the probe and closed the connection without answering, as it did the " +
          "request: it is there but refuses this call (a client certificate it asks for, a firewall), so the call " +
          "does not wait for it and the paused uploads fail."
        : $"The server at {e.Server} is back after {Describe(e.Duration)}; the paused uploads go on.";

    /// <summary>The one error every waiter of the call fails with once the outage limit has passed.</summary>
    public static SynapseClientException GaveUp(string server, DateTimeOffset lastAnswer, DateTimeOffset now, TimeSpan limit,
        SynapseClientException? lastFailure)
    {
        var why = lastFailure is null ? "" : $" The last failure: {lastFailure.Message}";
        return new SynapseClientException(SynapseErrorKind.ServerUnavailable,
            $"The server at {server} has not answered for {Describe(now - lastAnswer)} (since {Clock(lastAnswer)}), " +
            $"past the outage limit of {Describe(limit)}.{why} The unfinished uploads keep their journals: run the same " +
            "command again to resume them.",
            statusCode: lastFailure?.StatusCode, detail: lastFailure?.Detail, inner: lastFailure);
    }

    /// <summary>"1 h 5 min", "30 min 4 s", "45 s": to the second, which is what a log reader compares.</summary>
    public static string Describe(TimeSpan t)
    {
        var seconds = (long)Math.Round(t.TotalSeconds);
        long h = seconds / 3600, min = seconds / 60 % 60, s = seconds % 60;
        if (h > 0) return min > 0 ? $"{h} h {min} min" : $"{h} h";
        if (min > 0) return s > 0 ? $"{min} min {s} s" : $"{min} min";
        return $"{s} s";
    }

    private static string Reason(SynapseClientException failure) =>
        failure.StatusCode is { } status ? $"HTTP {status}" : failure.Message.TrimEnd('.');

    private static string Clock(DateTimeOffset t) => t.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
