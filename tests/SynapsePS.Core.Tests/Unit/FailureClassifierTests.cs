using System.Net.Sockets;
using SynapsePS.Resilience;
using SynapsePS.Protocol;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>
/// The table of what happens after a failure: each row is a failure (its kind, HTTP status, Retry-After) and how
/// many retries its request has used, and the classifier's answer. MaxRetries is 3 throughout.
/// </summary>
public sealed class FailureClassifierTests
{
    private static readonly FailureClassifier s_classifier = new(new UploadOptions { MaxRetries = 3 });

    private static SynapseClientException Failure(SynapseErrorKind kind, int? status = null, double? retryAfterSec = null) =>
        new(kind, "test", status, retryAfter: retryAfterSec is { } s ? TimeSpan.FromSeconds(s) : null);

    public static TheoryData<string, SynapseErrorKind, int?, int, FailureAction> Table => new()
    {
        // A busy, restarting or unreachable server: the same request again, while retries are left.
        { "connection failed", SynapseErrorKind.ConnectionFailed, null, 0, FailureAction.RetryRequest },
        { "no progress (inactivity)", SynapseErrorKind.RequestTimedOut, null, 2, FailureAction.RetryRequest },
        { "408", SynapseErrorKind.RequestTimedOut, 408, 0, FailureAction.RetryRequest },
        { "429", SynapseErrorKind.ServerThrottled, 429, 0, FailureAction.RetryRequest },
        { "500", SynapseErrorKind.ServerError, 500, 0, FailureAction.RetryRequest },
        { "502", SynapseErrorKind.ServerError, 502, 1, FailureAction.RetryRequest },
        { "503", SynapseErrorKind.ServerError, 503, 0, FailureAction.RetryRequest },
        { "504", SynapseErrorKind.ServerError, 504, 0, FailureAction.RetryRequest },
        // ... and once they are spent, only this file fails.
        { "connection failed, retries spent", SynapseErrorKind.ConnectionFailed, null, 3, FailureAction.FailFile },
        { "503, retries spent", SynapseErrorKind.ServerError, 503, 3, FailureAction.FailFile },
        { "429, retries spent", SynapseErrorKind.ServerThrottled, 429, 3, FailureAction.FailFile },
        // Answers that sending again cannot change: this file fails.
        { "400", SynapseErrorKind.ServerRejectedRequest, 400, 0, FailureAction.FailFile },
        { "400 checksum", SynapseErrorKind.ChecksumMismatch, 400, 0, FailureAction.FailFile },
        { "400 offsets", SynapseErrorKind.OffsetMismatch, 400, 0, FailureAction.FailFile },
        { "404", SynapseErrorKind.UploadNotFound, 404, 0, FailureAction.FailFile },
        { "410", SynapseErrorKind.UploadExpired, 410, 0, FailureAction.FailFile },
        { "413", SynapseErrorKind.FileTooLarge, 413, 0, FailureAction.FailFile },
        { "501", SynapseErrorKind.ServerError, 501, 0, FailureAction.FailFile },
        { "302", SynapseErrorKind.UnexpectedResponse, 302, 0, FailureAction.FailFile },
        { "a reply that breaks the protocol", SynapseErrorKind.UnexpectedResponse, null, 0, FailureAction.FailFile },
        { "the file changed", SynapseErrorKind.FileChangedDuringUpload, null, 0, FailureAction.FailFile },
        { "the file is gone", SynapseErrorKind.PathNotFound, null, 0, FailureAction.FailFile },
        { "a bug of ours", SynapseErrorKind.UnexpectedError, null, 0, FailureAction.FailFile },
        { "a url outside the base URL", SynapseErrorKind.UrlNotUnderBaseUrl, null, 0, FailureAction.FailFile },
        { "a folder that cannot be listed", SynapseErrorKind.FolderUnreadable, null, 0, FailureAction.FailFile },
        // What dooms every file of the call ends it at once, retries left or not.
        { "401", SynapseErrorKind.AuthenticationFailed, 401, 0, FailureAction.EndCall },
        { "403", SynapseErrorKind.AccessDenied, 403, 0, FailureAction.EndCall },
        { "507", SynapseErrorKind.InsufficientStorage, 507, 0, FailureAction.EndCall },
        { "the server stayed away", SynapseErrorKind.ServerUnavailable, null, 0, FailureAction.EndCall },
        { "the batch's failure budget", SynapseErrorKind.TooManyFailures, null, 0, FailureAction.EndCall },
        { "407", SynapseErrorKind.ProxyAuthenticationRequired, 407, 0, FailureAction.EndCall },
        { "certificate refused", SynapseErrorKind.CertificateRejected, null, 0, FailureAction.EndCall },
        { "bad connection", SynapseErrorKind.InvalidConnection, null, 0, FailureAction.EndCall },
        { "no connection", SynapseErrorKind.ConnectionNotConfigured, null, 0, FailureAction.EndCall },
        { "no MD5 (FIPS)", SynapseErrorKind.HashAlgorithmUnavailable, null, 0, FailureAction.EndCall },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void After_a_failed_attempt(string failure, SynapseErrorKind kind, int? status, int retriesUsed, FailureAction action)
    {
        var decision = s_classifier.AfterAttempt(Failure(kind, status), retriesUsed);
        Assert.True(decision.Action == action, $"{failure} after {retriesUsed} retries: {decision.Action}, expected {action}");
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void A_failure_ends_the_call_exactly_when_the_table_says_so(string failure, SynapseErrorKind kind, int? status, int retriesUsed, FailureAction action)
    {
        _ = retriesUsed;
        Assert.True(FailureClassifier.EndsTheCall(Failure(kind, status)) == (action == FailureAction.EndCall), failure);
    }

    [Theory]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(404, false)]
    [InlineData(407, false)]
    [InlineData(413, false)]
    [InlineData(501, false)]
    [InlineData(507, false)]
    public void Only_answers_that_may_change_are_retried(int status, bool transient) =>
        Assert.Equal(transient, FailureClassifier.MayChange(ErrorKinds.KindForStatus(status, null), status));

    [Fact]
    public void A_retry_waits_for_the_backoff_unless_the_server_named_a_wait()
    {
        Assert.Null(s_classifier.AfterAttempt(Failure(SynapseErrorKind.ServerError, 503), 0).Delay);
        Assert.Equal(TimeSpan.FromSeconds(7), s_classifier.AfterAttempt(Failure(SynapseErrorKind.ServerThrottled, 429, 7), 0).Delay);
    }

    [Fact]
    public void A_servers_Retry_After_is_capped()
    {
        var decision = s_classifier.AfterAttempt(Failure(SynapseErrorKind.ServerError, 503, retryAfterSec: 3600), 0);
        Assert.Equal(FailureAction.RetryRequest, decision.Action);
        Assert.Equal(UploadOptions.MaxRetryAfter, decision.Delay);
    }

    [Fact]
    public void Without_retries_nothing_is_retried()
    {
        var none = new FailureClassifier(new UploadOptions { MaxRetries = 0 });
        Assert.Equal(FailureAction.FailFile, none.AfterAttempt(Failure(SynapseErrorKind.ConnectionFailed), 0).Action);
        Assert.Equal(FailureAction.EndCall, none.AfterAttempt(Failure(SynapseErrorKind.AuthenticationFailed, 401), 0).Action);
    }

    /// <summary>With a server gate (outage limit above zero) the server's own state is waited for, not failed.</summary>
    public static TheoryData<string, SynapseErrorKind, int?, double?, int, FailureAction> WithGate => new()
    {
        // A shared Retry-After: every request waits, and none spends a retry on it.
        { "429 with Retry-After", SynapseErrorKind.ServerThrottled, 429, 2, 0, FailureAction.WaitForServer },
        { "503 with Retry-After, retries spent", SynapseErrorKind.ServerError, 503, 2, 3, FailureAction.WaitForServer },
        { "503 with Retry-After: 0 (now)", SynapseErrorKind.ServerError, 503, 0, 0, FailureAction.RetryRequest },
        // The ordinary retries first; once spent, a server that seems gone is waited for.
        { "connection failed", SynapseErrorKind.ConnectionFailed, null, null, 0, FailureAction.RetryRequest },
        { "connection failed, retries spent", SynapseErrorKind.ConnectionFailed, null, null, 3, FailureAction.WaitForServer },
        { "no progress, retries spent", SynapseErrorKind.RequestTimedOut, null, null, 3, FailureAction.WaitForServer },
        { "502, retries spent", SynapseErrorKind.ServerError, 502, null, 3, FailureAction.WaitForServer },
        { "503, retries spent", SynapseErrorKind.ServerError, 503, null, 3, FailureAction.WaitForServer },
        { "504, retries spent", SynapseErrorKind.ServerError, 504, null, 3, FailureAction.WaitForServer },
        // The server answered: its answer is about the request, not about the server being away.
        { "500, retries spent", SynapseErrorKind.ServerError, 500, null, 3, FailureAction.FailFile },
        { "429 without Retry-After, retries spent", SynapseErrorKind.ServerThrottled, 429, null, 3, FailureAction.FailFile },
        { "408, retries spent", SynapseErrorKind.RequestTimedOut, 408, null, 3, FailureAction.FailFile },
        { "413", SynapseErrorKind.FileTooLarge, 413, null, 0, FailureAction.FailFile },
        { "507", SynapseErrorKind.InsufficientStorage, 507, null, 0, FailureAction.EndCall },
        { "403", SynapseErrorKind.AccessDenied, 403, null, 0, FailureAction.EndCall },
    };

    [Theory]
    [MemberData(nameof(WithGate))]
    public void With_a_server_gate(string failure, SynapseErrorKind kind, int? status, double? retryAfterSec, int retriesUsed, FailureAction action)
    {
        var gated = new FailureClassifier(new UploadOptions { MaxRetries = 3 }, serverWaits: true);
        var decision = gated.AfterAttempt(Failure(kind, status, retryAfterSec), retriesUsed);
        Assert.True(decision.Action == action, $"{failure} after {retriesUsed} retries: {decision.Action}, expected {action}");
    }

    /// <summary>
    /// A request that has waited out outages (its retries spent): a server that is back each time and still drops
    /// this request is failing the request, not away. A shared Retry-After is the server asking and never counts.
    /// </summary>
    public static TheoryData<string, SynapseErrorKind, int?, double?, int, FailureAction> AfterOutages => new()
    {
        { "connection failed after 1 outage", SynapseErrorKind.ConnectionFailed, null, null, 1, FailureAction.WaitForServer },
        { "connection failed after 2 outages", SynapseErrorKind.ConnectionFailed, null, null, 2, FailureAction.WaitForServer },
        { "connection failed after 3 outages", SynapseErrorKind.ConnectionFailed, null, null, 3, FailureAction.FailFile },
        { "no progress after 3 outages", SynapseErrorKind.RequestTimedOut, null, null, 3, FailureAction.FailFile },
        { "504 after 3 outages", SynapseErrorKind.ServerError, 504, null, 3, FailureAction.FailFile },
        { "503 with Retry-After after 3 outages", SynapseErrorKind.ServerError, 503, 2, 3, FailureAction.WaitForServer },
        { "507 after 3 outages", SynapseErrorKind.InsufficientStorage, 507, null, 3, FailureAction.EndCall },
    };

    [Theory]
    [MemberData(nameof(AfterOutages))]
    public void After_outages_waited_out(string failure, SynapseErrorKind kind, int? status, double? retryAfterSec, int serverWaitsUsed, FailureAction action)
    {
        var gated = new FailureClassifier(new UploadOptions { MaxRetries = 3 }, serverWaits: true);
        var decision = gated.AfterAttempt(Failure(kind, status, retryAfterSec), retriesUsed: 3, serverWaitsUsed);
        Assert.True(decision.Action == action, $"{failure}: {decision.Action}, expected {action}");
    }

    /// <summary>
    /// Whether a connection failure proves the server was there (it took the connection, then closed it): the call's
    /// first requests hold for the outage limit only then, and otherwise take the address for a wrong one.
    /// </summary>
    [Theory]
    [InlineData(SocketError.ConnectionReset, true)]
    [InlineData(SocketError.ConnectionAborted, true)]
    [InlineData(SocketError.Shutdown, true)]           // broken pipe: closed while the body was going out
    [InlineData(SocketError.ConnectionRefused, false)]
    [InlineData(SocketError.HostNotFound, false)]
    [InlineData(SocketError.TimedOut, false)]
    [InlineData(SocketError.NetworkUnreachable, false)]
    public void A_connection_failure_shows_the_server_reached_only_after_it_took_the_connection(SocketError error, bool reached)
    {
        var failure = new SynapseClientException(SynapseErrorKind.ConnectionFailed, "test", isTransient: true,
            inner: new HttpRequestException("An error occurred while sending the request.",
                new IOException("Unable to write data to the transport connection.", new SocketException((int)error))));

        Assert.Equal(reached, FailureClassifier.ServerWasReached(failure));
    }

    private static SynapseClientException? Outcome(string outcome) => outcome switch
    {
        "success" => null,
        "400" => Failure(SynapseErrorKind.ServerRejectedRequest, 400),
        "429 with Retry-After" => Failure(SynapseErrorKind.ServerThrottled, 429, 2),
        "502" => Failure(SynapseErrorKind.ServerError, 502),
        "refused" => new(SynapseErrorKind.ConnectionFailed, "test", isTransient: true,
            inner: new HttpRequestException("test", new SocketException((int)SocketError.ConnectionRefused))),
        "dropped" => new(SynapseErrorKind.ConnectionFailed, "test", isTransient: true,
            inner: new IOException("test", new SocketException((int)SocketError.ConnectionReset))),
        "held reply" => new(SynapseErrorKind.RequestTimedOut, "test", isTransient: true,
            inner: new SynapsePS.Http.ReplyHeldBackException(new OperationCanceledException())),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>
    /// What the call has seen of its server after an outcome, which decides whether a failure is an outage to wait
    /// out (<see cref="FailureClassifier.MayWaitOut"/>): any answer is a sighting; a request taken and dropped shows the
    /// address is right; a probe dropped the same way by a server that never answered shows it refuses the call.
    /// </summary>
    public static TheoryData<ServerSighting, string, bool, ServerSighting> Sightings => new()
    {
        { ServerSighting.None, "success", false, ServerSighting.Answered },
        { ServerSighting.None, "400", false, ServerSighting.Answered },
        { ServerSighting.None, "429 with Retry-After", false, ServerSighting.Answered },
        // A wrong port, or a proxy's 502 for a name it cannot resolve: nothing is seen.
        { ServerSighting.None, "refused", false, ServerSighting.None },
        { ServerSighting.None, "502", false, ServerSighting.None },
        { ServerSighting.None, "dropped", false, ServerSighting.Reached },
        { ServerSighting.Reached, "dropped", false, ServerSighting.Reached },
        { ServerSighting.Reached, "refused", true, ServerSighting.Reached },
        { ServerSighting.Reached, "dropped", true, ServerSighting.Refused },
        { ServerSighting.Reached, "success", true, ServerSighting.Answered },
        { ServerSighting.Answered, "dropped", true, ServerSighting.Answered },
        { ServerSighting.Answered, "refused", false, ServerSighting.Answered },
        { ServerSighting.Refused, "dropped", false, ServerSighting.Refused },
        { ServerSighting.Refused, "400", false, ServerSighting.Answered },
        // Headers, then a body that stalled or dripped: the server is there (and the request is retried, see below).
        { ServerSighting.None, "held reply", false, ServerSighting.Answered },
        { ServerSighting.Reached, "held reply", true, ServerSighting.Answered },
    };

    [Fact]
    public void A_held_reply_restarts_the_outage_clock_and_is_still_a_server_that_stopped_answering()
    {
        var held = Outcome("held reply")!;
        Assert.True(FailureClassifier.ServerAnswered(held));
        Assert.True(FailureClassifier.ServerSeemsGone(held));
        Assert.False(FailureClassifier.ServerAnswered(Outcome("dropped")!));
    }

    [Theory]
    [MemberData(nameof(Sightings))]
    public void What_the_call_has_seen_of_its_server(ServerSighting seen, string outcome, bool probe, ServerSighting after) =>
        Assert.Equal(after, FailureClassifier.Sighted(seen, Outcome(outcome), probe));

    [Theory]
    [InlineData(ServerSighting.None, false)]
    [InlineData(ServerSighting.Reached, true)]
    [InlineData(ServerSighting.Refused, false)]
    [InlineData(ServerSighting.Answered, true)]
    public void Only_a_server_the_call_has_seen_is_waited_for(ServerSighting seen, bool waited) =>
        Assert.Equal(waited, FailureClassifier.MayWaitOut(seen));

    /// <summary>
    /// A connection closed without an answer is the server refusing our client certificate only where it asked for
    /// one and has never answered; anywhere else it is an ordinary dropped connection, retried and maybe waited out.
    /// </summary>
    [Theory]
    [InlineData(true, false, true, true)]
    [InlineData(false, false, true, false)]
    [InlineData(true, true, true, false)]
    [InlineData(true, false, false, false)]
    public void A_hang_up_is_a_refused_client_certificate_only_after_the_server_asked_and_never_answered(
        bool askedForCertificate, bool everAnswered, bool closed, bool refused)
    {
        Exception error = closed ? new HttpRequestException("test", new IOException("closed")) : new HttpRequestException("test", new SocketException((int)SocketError.ConnectionRefused));
        Assert.Equal(refused, FailureClassifier.RefusesClientCertificate(askedForCertificate, everAnswered, error));
    }

    [Fact]
    public void A_Retry_After_is_capped_once_for_a_retry_and_for_the_calls_hold()
    {
        Assert.Equal(UploadOptions.MaxRetryAfter, FailureClassifier.CapRetryAfter(TimeSpan.FromHours(1)));
        Assert.Equal(TimeSpan.FromSeconds(7), FailureClassifier.CapRetryAfter(TimeSpan.FromSeconds(7)));
        Assert.Equal(TimeSpan.Zero, FailureClassifier.CapRetryAfter(TimeSpan.FromSeconds(-1)));
    }

    [Fact]
    public void An_outage_limit_of_zero_keeps_the_ordinary_retries_only()
    {
        var off = new FailureClassifier(new UploadOptions { MaxRetries = 3, OutageTimeout = TimeSpan.Zero }, serverWaits: true);
        Assert.Equal(FailureAction.FailFile, off.AfterAttempt(Failure(SynapseErrorKind.ConnectionFailed), 3).Action);
        Assert.Equal(FailureAction.RetryRequest, off.AfterAttempt(Failure(SynapseErrorKind.ServerThrottled, 429, 2), 0).Action);
    }

    /// <summary>docs/error-ids.md says for every ErrorId whether it is retried and whether it ends the call: as decided here.</summary>
    [Fact]
    public void The_error_id_table_says_what_the_classifier_decides()
    {
        var rows = File.ReadAllLines(RepositoryFiles.PathOf("docs", "error-ids.md"))
            .Where(line => line.StartsWith("| `", StringComparison.Ordinal))
            .Select(line => line.Split('|').Select(cell => cell.Trim()).ToArray())
            .ToDictionary(cells => Enum.Parse<SynapseErrorKind>(cells[1].Trim('`')));
        Assert.Equal(Enum.GetValues<SynapseErrorKind>().Length, rows.Count);

        var wrong = new List<string>();
        foreach (var (kind, cells) in rows)
        {
            // The statuses the row names ("500, 502, 503, 504", "408 or none"), and no status at all where it says so.
            var statuses = System.Text.RegularExpressions.Regex.Matches(cells[3], @"\d{3}").Select(m => (int?)int.Parse(m.Value)).ToList();
            if (statuses.Count == 0 || cells[3].Contains("none")) statuses.Add(null);
            var retried = statuses.Any(status => FailureClassifier.MayChange(kind, status));
            var ends = FailureClassifier.EndsTheCall(new SynapseClientException(kind, "test", statuses[0]));
            if ((cells[4] == "yes") != retried) wrong.Add($"{kind}: Retried says '{cells[4]}', the classifier {(retried ? "retries" : "does not retry")}");
            if ((cells[5] == "yes") != ends) wrong.Add($"{kind}: Ends the call says '{cells[5]}', the classifier {(ends ? "ends" : "does not end")} the call");
        }
        Assert.Empty(wrong);
    }
}
