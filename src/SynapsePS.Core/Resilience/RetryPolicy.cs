using System;
using System.Globalization;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;
using SynapsePS.Upload;

namespace SynapsePS.Resilience;

/// <summary>
/// The library's one retry policy: every request of every upload goes through a pipeline built here.
/// Transient failures (network, inactivity timeouts, 408/429/5xx) are retried with exponential backoff and
/// jitter, starting at RetryDelay; a server's Retry-After wins over the backoff, capped at UploadOptions.MaxRetryAfter.
/// </summary>
internal static class RetryPolicy
{
    /// <summary>Per-call state the retry callbacks need: the counters and the log of the upload being served.</summary>
    internal static readonly ResiliencePropertyKey<RequestScope> ScopeKey = new("SynapsePS.RequestScope");

    public static ResiliencePipeline Build(UploadOptions options)
    {
        if (options.MaxRetries == 0) return ResiliencePipeline.Empty;

        return new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = TimeSpan.FromMinutes(5),
                ShouldHandle = static args => new ValueTask<bool>(args.Outcome.Exception is SynapseClientException { IsTransient: true }),
                DelayGenerator = static args =>
                {
                    var retryAfter = (args.Outcome.Exception as SynapseClientException)?.RetryAfter;
                    TimeSpan? delay = retryAfter is { } r ? (r > UploadOptions.MaxRetryAfter ? UploadOptions.MaxRetryAfter : r) : null;
                    return new ValueTask<TimeSpan?>(delay);
                },
                OnRetry = static args =>
                {
                    if (args.Context.Properties.TryGetValue(ScopeKey, out var scope))
                    {
                        scope.OnRetry(args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception);
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

/// <summary>What one logical request (all its attempts) reports to: the upload's counters and log.</summary>
internal sealed class RequestScope
{
    private readonly UploadStats _stats;
    private readonly string _what;
    private readonly int _maxAttempts;

    public RequestScope(UploadStats stats, string what, int maxAttempts)
    {
        _stats = stats;
        _what = what;
        _maxAttempts = maxAttempts;
    }

    public void OnRetry(int failedAttempt, TimeSpan wait, Exception? error)
    {
        _stats.AddRetry();
        var why = error is SynapseClientException { StatusCode: { } code } ? $"HTTP {code}" : error?.Message ?? "unknown error";
        _stats.Log?.Verbose($"{_what}: attempt {failedAttempt} of {_maxAttempts} failed ({why}); retrying in {RetryPolicy.Seconds(wait)}.");
    }
}
