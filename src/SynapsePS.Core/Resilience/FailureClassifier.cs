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

    internal FailureClassifier(UploadOptions options) => _maxRetries = options.MaxRetries;

    /// <summary>
    /// Whether no file of the call can succeed after this failure, so the call ends: every file goes to the same
    /// server with the same token, through the same proxy, with the same certificates and the same MD5.
    /// </summary>
    public static bool EndsTheCall(SynapseClientException failure)
    {
        if (failure is null) throw new ArgumentNullException(nameof(failure));
        return failure.Kind is SynapseErrorKind.AuthenticationFailed or SynapseErrorKind.InvalidConnection
            or SynapseErrorKind.ConnectionNotConfigured or SynapseErrorKind.HashAlgorithmUnavailable
            or SynapseErrorKind.CertificateRejected or SynapseErrorKind.ProxyAuthenticationRequired;
    }

    /// <summary>
    /// Whether sending the same request again may turn out differently: a connection that failed or stalled, and
    /// the answers a busy or restarting server gives (408, 429, 500, 502, 503, 504). The failure's
    /// <see cref="SynapseClientException.IsTransient"/> says the same, for callers of the library.
    /// </summary>
    internal static bool MayChange(SynapseErrorKind kind, int? status) => status is { } code
        ? code is 408 or 429 or 500 or 502 or 503 or 504
        : kind is SynapseErrorKind.ConnectionFailed or SynapseErrorKind.RequestTimedOut;

    /// <summary>What follows a failed attempt of a request that has used <paramref name="retriesUsed"/> retries.</summary>
    internal FailureDecision AfterAttempt(SynapseClientException failure, int retriesUsed)
    {
        if (EndsTheCall(failure)) return FailureDecision.EndCall;
        if (MayChange(failure.Kind, failure.StatusCode) && retriesUsed < _maxRetries)
            return FailureDecision.Retry(failure.RetryAfter is { } asked ? Cap(asked) : null);
        return FailureDecision.FailFile;
    }

    /// <summary>A server's Retry-After wins over the backoff, up to <see cref="UploadOptions.MaxRetryAfter"/>.</summary>
    private static TimeSpan Cap(TimeSpan retryAfter) => retryAfter > UploadOptions.MaxRetryAfter ? UploadOptions.MaxRetryAfter : retryAfter;
}
