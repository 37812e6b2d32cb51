using System;

namespace SynapsePS.Resilience;

/// <summary>
/// The one place that decides what happens after a failure: retry the request, wait for the server, end the call,
/// or fail only this file. A new rule goes here and in its table of cases (FailureClassifierTests), nowhere else:
/// the retry pipeline asks <see cref="AfterAttempt"/> after every failed attempt, and the cmdlets ask
/// <see cref="EndsTheCall"/> about every failure that reaches them.
/// </summary>
/// <remarks>
/// What a failure is (its kind and status) is decided where it is met: the protocol names the server's answers,
/// the HTTP layer names refused certificates and proxies. The upload's own recoveries (continue from the server's
/// offset after "Offsets do not match", start anew after 410, read the record after a refused finish) are steps of
/// its state machine in FileUploadRun, taken before a failure reaches the file's verdict here.
/// </remarks>
public sealed class FailureClassifier
{
    private readonly int _maxRetries;
    private readonly bool _serverWaits;

    /// <param name="serverWaits">Whether the call has a server gate to wait at (<see cref="ServerGate"/>, outage limit above zero).</param>
    internal FailureClassifier(UploadOptions options, bool serverWaits = false)
    {
        _maxRetries = options.MaxRetries;
        _serverWaits = serverWaits && options.OutageTimeout > TimeSpan.Zero;
    }

    /// <summary>
    /// Whether no file of the call can succeed after this failure, so the call ends: every file goes to the same
    /// server with the same token, through the same proxy, with the same certificates and the same MD5.
    /// </summary>
    public static bool EndsTheCall(SynapseClientException failure)
    {
        if (failure is null) throw new ArgumentNullException(nameof(failure));
        return failure.Kind is SynapseErrorKind.AuthenticationFailed or SynapseErrorKind.InvalidConnection
            or SynapseErrorKind.ConnectionNotConfigured or SynapseErrorKind.HashAlgorithmUnavailable
            or SynapseErrorKind.CertificateRejected or SynapseErrorKind.ProxyAuthenticationRequired
            or SynapseErrorKind.AccessDenied or SynapseErrorKind.InsufficientStorage
            or SynapseErrorKind.ServerUnavailable or SynapseErrorKind.TooManyFailures;
    }

    /// <summary>
    /// Whether the failure says the server itself is away (a connection that failed or stalled, or a gateway's
    /// 502/503/504) rather than something about the request: what the call may wait out as an outage.
    /// </summary>
    internal static bool ServerSeemsGone(SynapseClientException failure) => failure.StatusCode is { } code
        ? code is 502 or 503 or 504
        : failure.Kind is SynapseErrorKind.ConnectionFailed or SynapseErrorKind.RequestTimedOut;

    /// <summary>A 429 or 503 that named a wait: the server asks the whole call to wait, not this request ("Retry-After: 0" asks no one).</summary>
    internal static bool AsksEveryoneToWait(SynapseClientException failure) =>
        failure.RetryAfter is { } wait && wait > TimeSpan.Zero && failure.StatusCode is 429 or 503;

    /// <summary>
    /// Whether the server took part in the failure (anything but "gone" or "wait"), or sent a reply's headers and then
    /// held its body back: its outage clock starts afresh (the held reply is still retried, and waited out as an outage).
    /// </summary>
    internal static bool ServerAnswered(SynapseClientException failure) =>
        failure.StatusCode is not null ? !ServerSeemsGone(failure) && !AsksEveryoneToWait(failure)
            : Http.TransportFailures.IsReplyHeldBack(failure.InnerException);

    /// <summary>
    /// Whether the request reached the server, which then dropped the connection (a server stopped mid-exchange):
    /// no answer, but proof that the base URL is right, so what follows is an outage and not a wrong address.
    /// </summary>
    internal static bool ServerWasReached(SynapseClientException failure) =>
        failure.StatusCode is null && failure.Kind == SynapseErrorKind.ConnectionFailed
        && Http.TransportFailures.IsCutOffAfterConnecting(failure.InnerException);

    /// <summary>
    /// What the call has seen of its server after a request's (or, with <paramref name="probe"/>, an outage probe's)
    /// outcome; <paramref name="failure"/> is null for a success. Any answer is a sighting. A request the server took
    /// and dropped shows the address is right; a probe dropped the same way by a server that never answered shows it
    /// is there and refuses the call (a client certificate it asks for where the handler cannot tell, a firewall
    /// that resets), which is no outage either.
    /// </summary>
    internal static ServerSighting Sighted(ServerSighting seen, SynapseClientException? failure, bool probe = false)
    {
        if (failure is null || ServerAnswered(failure) || AsksEveryoneToWait(failure)) return ServerSighting.Answered;
        if (!ServerWasReached(failure)) return seen;
        return (seen, probe) switch
        {
            (ServerSighting.None, false) => ServerSighting.Reached,
            (ServerSighting.Reached, true) => ServerSighting.Refused,
            _ => seen,
        };
    }

    /// <summary>
    /// Whether a server that seems gone may be waited out as an outage: only once the call has seen it. A call that
    /// has not (no answer, no request taken) fails as before: that is a wrong URL, port or name (a proxy or gateway
    /// answers 502/504 for a name it cannot resolve), not an outage worth half an hour's wait.
    /// </summary>
    internal static bool MayWaitOut(ServerSighting seen) => seen is ServerSighting.Reached or ServerSighting.Answered;

    /// <summary>
    /// Whether a connection that closed without an answer is the server refusing our client certificate: TLS 1.3
    /// settles it after the handshake, so a server that refuses it just closes the connection. It counts only where
    /// the server asked for one and has never answered this client; elsewhere it is an ordinary dropped connection.
    /// </summary>
    internal static bool RefusesClientCertificate(bool askedForCertificate, bool everAnswered, Exception transportError) =>
        askedForCertificate && !everAnswered && Http.TransportFailures.IsConnectionClosed(transportError);

    /// <summary>
    /// Whether sending the same request again may turn out differently: a connection that failed or stalled, and
    /// the answers a busy or restarting server gives (408, 429, 500, 502, 503, 504). The failure's
    /// <see cref="SynapseClientException.IsTransient"/> says the same, for callers of the library.
    /// </summary>
    internal static bool MayChange(SynapseErrorKind kind, int? status) => status is { } code
        ? code is 408 or 429 or 500 or 502 or 503 or 504
        : kind is SynapseErrorKind.ConnectionFailed or SynapseErrorKind.RequestTimedOut;

    /// <summary>
    /// How many outages one request may wait out. A server that comes back and then drops or refuses this same
    /// request again each time (a proxy that resets one large body, a gateway that times out on one chunk) is not
    /// away: the request's own failure would otherwise pause the call for ever, a few seconds at a time.
    /// </summary>
    internal const int MaxServerWaitsPerRequest = 3;

    /// <summary>
    /// What follows a failed attempt of a request that has used <paramref name="retriesUsed"/> retries and waited
    /// out <paramref name="serverWaitsUsed"/> outages.
    /// </summary>
    internal FailureDecision AfterAttempt(SynapseClientException failure, int retriesUsed, int serverWaitsUsed = 0)
    {
        if (EndsTheCall(failure)) return FailureDecision.EndCall;
        // A shared Retry-After spends no retries; the outage limit bounds a server that throttles for ever.
        if (_serverWaits && AsksEveryoneToWait(failure)) return FailureDecision.WaitForServer;
        if (MayChange(failure.Kind, failure.StatusCode) && retriesUsed < _maxRetries)
            return FailureDecision.Retry(failure.RetryAfter is { } asked ? CapRetryAfter(asked) : null);
        if (_serverWaits && ServerSeemsGone(failure) && serverWaitsUsed < MaxServerWaitsPerRequest) return FailureDecision.WaitForServer;
        return FailureDecision.FailFile;
    }

    /// <summary>
    /// The wait a server's Retry-After buys, for one request's retry and for the whole call's hold alike: it wins over
    /// the backoff, up to <see cref="UploadOptions.MaxRetryAfter"/>.
    /// </summary>
    internal static TimeSpan CapRetryAfter(TimeSpan retryAfter) =>
        retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter > UploadOptions.MaxRetryAfter ? UploadOptions.MaxRetryAfter : retryAfter;
}
