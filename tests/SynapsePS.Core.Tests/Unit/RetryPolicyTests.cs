using Polly;
using SynapsePS.Resilience;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>
/// The retry pipeline's waits on a FakeTimeProvider: a Retry-After delays the one request that got it when there is
/// no gate, and with the call's gate it holds the call without spending the request's retries. No wall clock.
/// </summary>
public sealed class RetryPolicyTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 3, 0, 0, TimeSpan.Zero);
    private readonly ParkingClock _time = new(Start);

    private static SynapseClientException Throttled(double retryAfterSec) =>
        new(SynapseErrorKind.ServerThrottled, "test", 429, retryAfter: TimeSpan.FromSeconds(retryAfterSec), isTransient: true);

    /// <summary>Runs a request whose first <paramref name="failures"/> attempts throw what <paramref name="fail"/> makes.</summary>
    private static (Task<int> Request, Func<int> Attempts) Run(ResiliencePipeline pipeline, int failures, Func<SynapseClientException> fail)
    {
        var attempts = 0;
        var context = ResilienceContextPool.Shared.Get(CancellationToken.None);
        context.Properties.Set(RetryPolicy.ScopeKey, new RequestScope(new OperationStats(null), "PUT /test", 4));
        var request = pipeline.ExecuteAsync(_ =>
        {
            if (Interlocked.Increment(ref attempts) <= failures) throw fail();
            return new ValueTask<int>(attempts);
        }, context).AsTask();
        return (request, () => Volatile.Read(ref attempts));
    }

    /// <summary>Until the request sleeps on the clock (its backoff, or the gate's round) or has ended: then the clock may move.</summary>
    private void UntilAsleep(Task request) =>
        Assert.True(SpinWait.SpinUntil(() => _time.Sleeping > 0 || request.IsCompleted, TimeSpan.FromSeconds(5)), "the request never slept on the clock");

    /// <summary>Waits (in real time, the pipeline's continuations run on the pool) until the request got this far.</summary>
    private static async Task Until(Func<bool> reached, string what)
    {
        for (var waited = 0; !reached() && waited < 5000; waited += 10) await Task.Delay(10);
        Assert.True(reached(), what);
    }

    [Fact]
    public async Task Without_a_gate_a_Retry_After_delays_the_next_attempt_to_the_second()
    {
        var options = new UploadOptions { MaxRetries = 3, RetryDelay = TimeSpan.FromMilliseconds(1) };
        var (request, attempts) = Run(RetryPolicy.Build(options, null, _time), failures: 1, () => Throttled(7));
        UntilAsleep(request);
        _time.Advance(TimeSpan.FromSeconds(6.9));
        Assert.Equal(1, _time.Sleeping);   // the Retry-After's timer has not fired: the second attempt cannot have gone
        Assert.Equal(1, attempts());
        _time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(2, await request.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task With_the_calls_gate_a_Retry_After_holds_the_call_and_spends_no_retries()
    {
        var options = new UploadOptions { MaxRetries = 1, RetryDelay = TimeSpan.FromMilliseconds(1), OutageTimeout = TimeSpan.FromMinutes(5) };
        using var gate = new ServerGate("http://127.0.0.1/", options.OutageTimeout, _ => Task.FromResult(true), _time);
        // Five throttled answers in a row: more than MaxRetries, yet the request succeeds, since none spent a retry.
        var (request, attempts) = Run(RetryPolicy.Build(options, gate, _time), failures: 5, () => Throttled(2));
        for (var i = 1; i <= 5; i++)
        {
            await Until(() => attempts() == i && gate.Snapshot().IsHeld, $"after throttled answer {i} the gate holds the call");
            Assert.False(gate.WaitUntilOpenAsync(CancellationToken.None).IsCompleted, "no other request may start meanwhile");
            _time.Advance(TimeSpan.FromSeconds(2));
        }
        Assert.Equal(6, await request.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.False(gate.Snapshot().IsHeld);
    }

    [Fact]
    public async Task A_request_the_server_drops_each_time_it_is_back_fails_after_three_outages()
    {
        var options = new UploadOptions { MaxRetries = 1, RetryDelay = TimeSpan.FromMilliseconds(1), OutageTimeout = TimeSpan.FromMinutes(5) };
        // Every probe is answered: the server is there, it only drops this one request.
        var probes = 0;
        using var gate = new ServerGate("http://127.0.0.1/", options.OutageTimeout, _ => { probes++; return Task.FromResult(true); }, _time);
        gate.ReportAnswered();
        var dropped = new SynapseClientException(SynapseErrorKind.ConnectionFailed, "connection closed", isTransient: true);
        var (request, attempts) = Run(RetryPolicy.Build(options, gate, _time), failures: int.MaxValue, () => dropped);

        for (var i = 0; i < 20 && !request.IsCompleted; i++)
        {
            UntilAsleep(request);
            _time.Advance(ServerProbes.FirstDelay);
        }

        var failed = await Assert.ThrowsAsync<SynapseClientException>(() => request.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Same(dropped, failed);
        // The first attempt, its one retry, and one attempt after each of the three outages.
        Assert.Equal(1 + 1 + FailureClassifier.MaxServerWaitsPerRequest, attempts());
        Assert.Equal(FailureClassifier.MaxServerWaitsPerRequest, probes);
    }

    [Fact]
    public async Task An_answer_that_ends_the_call_closes_the_gate_for_every_later_request()
    {
        var options = new UploadOptions { MaxRetries = 3 };
        using var gate = new ServerGate("http://127.0.0.1/", options.OutageTimeout, _ => Task.FromResult(true), _time);
        var full = new SynapseClientException(SynapseErrorKind.InsufficientStorage, "full", 507);
        var (request, attempts) = Run(RetryPolicy.Build(options, gate, _time), failures: 1, () => full);
        var ended = await Assert.ThrowsAsync<SynapseClientException>(() => request);
        Assert.Same(full, ended);
        Assert.Equal(1, attempts());
        var later = await Assert.ThrowsAsync<SynapseClientException>(() => gate.WaitUntilOpenAsync(CancellationToken.None));
        Assert.Equal(SynapseErrorKind.InsufficientStorage, later.Kind);
    }
}
