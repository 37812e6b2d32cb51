using System;
using System.Globalization;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;

namespace SynapsePS.Resilience;

/// <summary>
/// The library's one resilience pipeline: every request of every upload goes through a pipeline built here, the
/// retry outside and the call's <see cref="ServerGate"/> inside it. Whether a failed attempt is retried, and after
/// how long, is <see cref="FailureClassifier"/>'s answer; this carries it out with exponential backoff and jitter
/// starting at RetryDelay, after the server's Retry-After when it gave one, or once the gate opens again.
/// </summary>
internal static class RetryPolicy
{
    /// <summary>Per-call state the retry callbacks need: the counters and the log of the upload being served.</summary>
    internal static readonly ResiliencePropertyKey<RequestScope> ScopeKey = new("SynapsePS.RequestScope");

    /// <param name="gate">
    /// The call's gate, a step of the pipeline inside the retry: every attempt waits there. A
    /// <see cref="FailureAction.WaitForServer"/> answer holds it and sends the request again once it opens; an
    /// <see cref="FailureAction.EndCall"/> answer ends it. Without one the classifier never answers WaitForServer.
    /// </param>
    /// <param name="time">The call's clock, which the backoff waits on; tests pass a FakeTimeProvider.</param>
    public static ResiliencePipeline Build(UploadOptions options, ServerGate? gate, TimeProvider time)
    {
        var classifier = new FailureClassifier(options, serverWaits: gate is not null);
        var builder = new ResiliencePipelineBuilder { TimeProvider = time }
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
                    && scope.Decide(classifier, failure, gate)),
                // A wait for the server is the gate's: the next attempt waits there until it opens.
                DelayGenerator = args => new ValueTask<TimeSpan?>(
                    !args.Context.Properties.TryGetValue(ScopeKey, out var scope) ? null
                    : scope.Decision.Action == FailureAction.WaitForServer ? TimeSpan.Zero : scope.Decision.Delay),
                OnRetry = static args =>
                {
                    if (args.Context.Properties.TryGetValue(ScopeKey, out var scope))
                    {
                        scope.OnRetry(args.RetryDelay, args.Outcome.Exception);
                    }
                    return default;
                },
            });
        if (gate is not null) builder.AddStrategy(_ => new ServerGateStrategy(gate), new ServerGateStrategy.Options());
        return builder.Build();
    }

    /// <summary>Parses a Retry-After value, delta seconds or an HTTP date (read against <paramref name="now"/>, the call's clock).</summary>
    public static TimeSpan? ParseRetryAfter(System.Net.Http.Headers.RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header is null) return null;
        if (header.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header.Date is { } date)
        {
            var wait = date - now;
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
    public bool Decide(FailureClassifier classifier, SynapseClientException failure, ServerGate? gate)
    {
        Decision = classifier.AfterAttempt(failure, _retriesUsed, _serverWaitsUsed);
        if (Decision.Action == FailureAction.EndCall) gate?.EndCall(failure);
        // The gate may still find the server not worth waiting for (never seen): the request fails as before.
        if (Decision.Action == FailureAction.WaitForServer && !gate!.Hold(failure)) Decision = FailureDecision.FailFile;
        if (Decision.Action == FailureAction.FailFile && _serverWaitsUsed >= FailureClassifier.MaxServerWaitsPerRequest
            && FailureClassifier.ServerSeemsGone(failure))
        {
            _stats.Log?.Verbose($"{_what}: the server came back {_serverWaitsUsed} times and failed this request again each time; only this file fails.");
        }
        return Decision.Action is FailureAction.RetryRequest or FailureAction.WaitForServer;
    }

    public void OnRetry(TimeSpan wait, Exception? error)
    {
        var why = error is SynapseClientException { StatusCode: { } code } ? $"HTTP {code}" : error?.Message ?? "unknown error";
        if (Decision.Action == FailureAction.WaitForServer)
        {
            // A shared Retry-After is the server asking, not this request failing: only an outage counts.
            if (error is SynapseClientException failure && !FailureClassifier.AsksEveryoneToWait(failure)) _serverWaitsUsed++;
            _stats.Log?.Verbose($"{_what}: {why}; the call waits for the server (no retry used up), then sends again.");
            return;
        }
        if (Decision.Action != FailureAction.RetryRequest) return;
        var failedAttempt = ++_retriesUsed;
        _stats.AddRetry();
        _stats.Log?.Verbose($"{_what}: attempt {failedAttempt} of {_maxAttempts} failed ({why}); retrying in {RetryPolicy.Seconds(wait)}.");
    }
}
