using System;
using System.Threading.Tasks;
using Polly;

namespace SynapsePS.Resilience;

/// <summary>
/// The call's <see cref="ServerGate"/> as a step of the retry pipeline, inside the retry: each attempt waits at the
/// gate before it is sent, and its outcome is reported to the gate (an answer restarts the outage clock and ends an
/// outage). A gate that ended the call fails the attempt with the call's end, which the retry does not send again.
/// </summary>
internal sealed class ServerGateStrategy : ResilienceStrategy
{
    private readonly ServerGate _gate;

    public ServerGateStrategy(ServerGate gate) => _gate = gate;

    protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback, ResilienceContext context, TState state)
    {
        try
        {
            await _gate.WaitUntilOpenAsync(context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
        }
        catch (Exception ex)
        {
            return Outcome.FromException<TResult>(ex);
        }
        var outcome = await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
        if (outcome.Exception is null) _gate.Report(null);
        else if (outcome.Exception is SynapseClientException failure) _gate.Report(failure);
        return outcome;
    }

    /// <summary>The options Polly's builder asks of a strategy: the gate has none of its own.</summary>
    internal sealed class Options : ResilienceStrategyOptions
    {
        public Options() => Name = "ServerGate";
    }
}
