using System;
using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Resilience;

// What the gate does while it holds, each hold on a round of its own that the next change of state ends: an
// outage's probes (ServerProbes), or a Retry-After's wait.
internal sealed partial class ServerGate
{
    /// <summary>What the latest hold does (probing, or waiting out a Retry-After), for tests that move a fake clock.</summary>
    internal Task Round { get; private set; } = Task.CompletedTask;

    // The caller holds _lock. A round runs on the pool: never inside the lock that began it.
    private void Begin(ServerGateState state, Func<int, CancellationToken, Task> round)
    {
        var token = _hold.Change(state);
        var hold = _hold.Number;
        Round = Task.Run(() => round(hold, token));
    }

    private async Task ProbeAsync(int hold, CancellationToken ct)
    {
        var back = await _probes.RunAsync(() => { lock (_lock) return Deadline; }, () => Interlocked.Increment(ref _probeCount),
            failure => ProbeAgain(hold, failure), ct).ConfigureAwait(false);
        if (back) ReportAnswered();
    }

    private bool ProbeAgain(int hold, SynapseClientException? failure)
    {
        OutageEndedEventArgs? refused = null;
        lock (_lock)
        {
            if (hold != _hold.Number) return false;
            _lastFailure = failure ?? _lastFailure;
            if (failure is not null && _seen != ServerSighting.Refused
                && FailureClassifier.Sighted(_seen, failure, probe: true) == ServerSighting.Refused)
            {
                // No outage after all: the waiters send once more and fail as they would have.
                _seen = ServerSighting.Refused;
                refused = new OutageEndedEventArgs(_server, _lastAnswer, _time.GetUtcNow(), refusesTheCall: true);
                _hold.Change(ServerGateState.Open);
            }
            else if (_time.GetUtcNow() >= Deadline) GiveUp();
            else return true;
        }
        if (refused is not null) OutageEnded?.Invoke(this, refused);
        return false;
    }

    // Waits out a Retry-After; an answer meanwhile moves the outage limit, which may end the wait first.
    private async Task ReleaseAsync(int hold, CancellationToken ct)
    {
        while (true)
        {
            TimeSpan left;
            lock (_lock)
            {
                if (hold != _hold.Number) return;
                var now = _time.GetUtcNow();
                left = (_heldUntil!.Value < Deadline ? _heldUntil.Value : Deadline) - now;
                if (left <= TimeSpan.Zero)
                {
                    if (now >= Deadline) GiveUp();
                    else _hold.Change(ServerGateState.Open);
                    return;
                }
            }
            await _time.DelayAsync(left, ct).ConfigureAwait(false);
        }
    }
}
