using System;
using System.Globalization;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;

namespace SynapsePS.Resilience;

/// <summary>
/// The library's one retry pipeline: every request of every upload goes through a pipeline built here. Whether a
/// failed attempt is retried, and after how long, is <see cref="FailureClassifier"/>'s answer; this carries it out
/// with exponential backoff and jitter starting at RetryDelay, or after the server's Retry-After when it gave one.
/// </summary>
internal static class RetryPolicy
{
    /// <summary>Per-call state the retry callbacks need: the counters and the log of the upload being served.</summary>
    internal static readonly ResiliencePropertyKey<RequestScope> ScopeKey = new("SynapsePS.RequestScope");

    /// <param name="serverWait">The call's shared pause: where a <see cref="FailureAction.WaitForServer"/> answer waits, and
    /// what an <see cref="FailureAction.EndCall"/> answer closes; without one the classifier never answers WaitForServer.</param>
    /// <param name="time">The clock the backoff waits on; tests pass a FakeTimeProvider.</param>
    public static ResiliencePipeline Build(UploadOptions options, IServerWait? serverWait = null, TimeProvider? time = null)
    {
        var classifier = new FailureClassifier(options, serverWaits: serverWait is not null);
        return new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System }
            .AddRetry(new RetryStrategyOptions
            {
                // The classifier counts the retries (a wait for the server spends none), so Polly's own limit never binds.
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = TimeSpan.FromMinutes(5),
                ShouldHandle = args => new ValueTask<bool>(
                    args.Outcome.Exception is SynapseClientException failure
                    && args.Context.Properties.TryGetValue(ScopeKey, out var scope)
                    && scope.Decide(classifier, failure, serverWait)),
                DelayGenerator = async args =>
                {
                    if (!args.Context.Properties.TryGetValue(ScopeKey, out var scope)) return null;
                    if (scope.Decision.Action != FailureAction.WaitForServer) return scope.Decision.Delay;
                    await serverWait!.WaitAsync((SynapseClientException)args.Outcome.Exception!, args.Context.CancellationToken).ConfigureAwait(false);
                    return TimeSpan.Zero;
                },
                OnRetry = static args =>
                {
                    if (args.Context.Properties.TryGetValue(ScopeKey, out var scope))
                    {
                        scope.OnRetry(args.RetryDelay, args.Outcome.Exception);
                    }
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Parses a Retry-After value: delta seconds or an HTTP date.</summary>
    public static TimeSpan? ParseRetryAfter(System.Net.Http.Headers.RetryConditionHeaderValue? header)
    {
        if (header is null) return null;
        if (header.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    internal static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.0#", CultureInfo.InvariantCulture) + " s";
}

/// <summary>What one logical request (all its attempts) reports to: the upload's counters and log, and its retries so far.</summary>
internal sealed class RequestScope
{
    private readonly OperationStats _stats;
    private readonly string _what;
    private readonly int _maxAttempts;
    private int _retriesUsed;
    private int _serverWaitsUsed;

    public RequestScope(OperationStats stats, string what, int maxAttempts)
    {
        _stats = stats;
        _what = what;
        _maxAttempts = maxAttempts;
    }

    /// <summary>The classifier's answer to the last failed attempt.</summary>
    public FailureDecision Decision { get; private set; } = FailureDecision.FailFile;

    /// <summary>Asks the classifier about a failed attempt; true when the request is to be sent again.</summary>
    public bool Decide(FailureClassifier classifier, SynapseClientException failure, IServerWait? serverWait)
    {
        Decision = classifier.AfterAttempt(failure, _retriesUsed, _serverWaitsUsed);
        if (Decision.Action == FailureAction.EndCall) serverWait?.EndCall(failure);
        if (Decision.Action == FailureAction.FailFile && _serverWaitsUsed >= FailureClassifier.MaxServerWaitsPerRequest
            && FailureClassifier.ServerSeemsGone(failure))
        {
            _stats.Log?.Verbose($"{_what}: the server came back {_serverWaitsUsed} times and failed this request again each time; only this file fails.");
        }
        return Decision.Action == FailureAction.RetryRequest || (serverWait is not null && Decision.Action == FailureAction.WaitForServer);
    }

    public void OnRetry(TimeSpan wait, Exception? error)
    {
        var why = error is SynapseClientException { StatusCode: { } code } ? $"HTTP {code}" : error?.Message ?? "unknown error";
        if (Decision.Action == FailureAction.WaitForServer)
        {
            // A shared Retry-After is the server asking, not this request failing: only an outage counts.
            if (error is SynapseClientException failure && !FailureClassifier.AsksEveryoneToWait(failure)) _serverWaitsUsed++;
            _stats.Log?.Verbose($"{_what}: {why}; the call waited for the server (no retry used up); sending again.");
            return;
        }
        if (Decision.Action != FailureAction.RetryRequest) return;
        var failedAttempt = ++_retriesUsed;
        _stats.AddRetry();
        _stats.Log?.Verbose($"{_what}: attempt {failedAttempt} of {_maxAttempts} failed ({why}); retrying in {RetryPolicy.Seconds(wait)}.");
    }
}
