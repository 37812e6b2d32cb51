using System;
using System.Threading;
using System.Threading.Tasks;
using Polly;
using Polly.Retry;

namespace SynapsePS.Resilience;

/// <summary>
/// The probes of an outage, a small retry of their own on the call's clock: one request at a time asks whether the
/// server is back, the first 2 s after the outage began, then doubling to 60 s between probes, the last one at the
/// outage limit itself. A round ends when the server answers, when it is found to refuse the call, at the limit,
/// or when the gate cancels it (an answer to a request ended the outage, the call ended).
/// </summary>
internal sealed class ServerProbes
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(60);

    private static readonly ResiliencePropertyKey<Round> s_round = new("SynapsePS.ProbeRound");

    private readonly Func<CancellationToken, Task<bool>> _probe;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<ProbeAnswer> _retry;

    /// <param name="probe">
    /// Sends one request straight to the server (not through the gate, without retries, bounded by the request
    /// timeout): true when the server answered anything but a connection failure or 502/503/504, false otherwise
    /// (or a SynapseClientException, kept as the last failure).
    /// </param>
    public ServerProbes(Func<CancellationToken, Task<bool>> probe, TimeProvider time)
    {
        _probe = probe ?? throw new ArgumentNullException(nameof(probe));
        _time = time;
        _retry = new ResiliencePipelineBuilder<ProbeAnswer> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<ProbeAnswer>
            {
                MaxRetryAttempts = int.MaxValue,
                ShouldHandle = args => new ValueTask<bool>(args.Outcome is { Exception: null, Result.Back: false }
                    && args.Context.Properties.GetValue(s_round, null!).ProbeAgain(args.Outcome.Result.Failure)),
                // Polly counts retries from 0: the retry after probe n is probe n + 1.
                DelayGenerator = args => new ValueTask<TimeSpan?>(
                    Before(args.Context.Properties.GetValue(s_round, null!).Deadline(), args.AttemptNumber + 2)),
            })
            .Build();
    }

    /// <summary>The probe delay before probe number <paramref name="attempt"/> (1-based): 2, 4, 8, 16, 32, 60, 60, ... s.</summary>
    internal static TimeSpan Delay(int attempt)
    {
        var seconds = FirstDelay.TotalSeconds * Math.Pow(2, Math.Min(attempt - 1, 10));
        return seconds >= MaxDelay.TotalSeconds ? MaxDelay : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>
    /// Probes until the server answers (true) or a probe's failure ends the round (false; <paramref name="probeAgain"/>
    /// was told of each failure and said no: the limit passed, or the server refuses the call).
    /// </summary>
    /// <param name="deadline">The outage limit: read again before each wait, since it is the gate's.</param>
    /// <param name="sending">Called as each probe goes out.</param>
    /// <param name="probeAgain">Told of each failed probe (its failure, if it threw one); false ends the round.</param>
    public async Task<bool> RunAsync(Func<DateTimeOffset> deadline, Action sending, Func<SynapseClientException?, bool> probeAgain,
        CancellationToken cancellationToken)
    {
        await _time.DelayAsync(Before(deadline(), 1), cancellationToken).ConfigureAwait(false);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(s_round, new Round(deadline, probeAgain));
        try
        {
            var answer = await _retry.ExecuteAsync(static async (ctx, state) =>
            {
                state.sending();
                return await state.self.ProbeOnceAsync(ctx.CancellationToken).ConfigureAwait(false);
            }, context, (self: this, sending)).ConfigureAwait(false);
            return answer.Back;
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    // The wait before probe number attempt, cut so that the last probe goes at the deadline itself.
    private TimeSpan Before(DateTimeOffset deadline, int attempt)
    {
        var left = deadline - _time.GetUtcNow();
        return left <= TimeSpan.Zero ? TimeSpan.Zero : Delay(attempt) < left ? Delay(attempt) : left;
    }

    private async Task<ProbeAnswer> ProbeOnceAsync(CancellationToken ct)
    {
        try
        {
            return new ProbeAnswer(await _probe(ct).ConfigureAwait(false), null);
        }
        catch (SynapseClientException ex)
        {
            return new ProbeAnswer(false, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // A fault of the probe is no reason to stop probing; the outage limit still ends the wait.
            return new ProbeAnswer(false, new SynapseClientException(SynapseErrorKind.UnexpectedError,
                $"Probing the server failed unexpectedly: {ex.GetType().Name}: {ex.Message}", inner: ex));
        }
    }

    private readonly struct ProbeAnswer(bool back, SynapseClientException? failure)
    {
        public bool Back { get; } = back;

        public SynapseClientException? Failure { get; } = failure;
    }

    private sealed class Round(Func<DateTimeOffset> deadline, Func<SynapseClientException?, bool> probeAgain)
    {
        public Func<DateTimeOffset> Deadline { get; } = deadline;

        public bool ProbeAgain(SynapseClientException? failure) => probeAgain(failure);
    }
}
