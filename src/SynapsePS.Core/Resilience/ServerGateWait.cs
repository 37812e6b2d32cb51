using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Resilience;

/// <summary>
/// Carries out the classifier's WaitForServer on the call's <see cref="ServerGate"/>: a shared Retry-After holds
/// the whole call until then; a server that seems gone after the ordinary retries is an outage, unless the gate says
/// to fail as before (gate off, or the call has never seen its server).
/// </summary>
internal sealed class ServerGateWait : IServerWait
{
    private readonly ServerGate _gate;

    public ServerGateWait(ServerGate gate) => _gate = gate;

    public Task BeforeAttemptAsync(CancellationToken cancellationToken) => _gate.WaitUntilOpenAsync(cancellationToken);

    public void Answered() => _gate.ReportAnswered();

    public void Reached() => _gate.ReportReached();

    public async ValueTask WaitAsync(SynapseClientException failure, CancellationToken cancellationToken)
    {
        var held = FailureClassifier.AsksEveryoneToWait(failure)
            ? _gate.HoldFor(failure.RetryAfter!.Value, failure)
            : _gate.ReportServerGone(failure) == OutageDecision.WaitForServer;
        if (!held) throw failure;
        await _gate.WaitUntilOpenAsync(cancellationToken).ConfigureAwait(false);
    }

    public void EndCall(SynapseClientException failure) => _gate.EndCall(failure);
}
