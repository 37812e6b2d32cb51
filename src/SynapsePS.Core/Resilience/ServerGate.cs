using System;
using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Resilience;

/// <summary>
/// One per upload call, shared by all its lanes: the server's state as the call sees it. Every attempt waits here
/// before it is sent (<see cref="ServerGateStrategy"/>, in the retry pipeline) and every new file before it starts.
/// The gate holds the whole call while the server is away (an outage, probed by <see cref="ServerProbes"/>) or has
/// asked everyone to wait (Retry-After): both are states of the server, not failures of the file that met them.
/// The outage clock runs from the server's last answer; past the outage limit every waiter fails with one
/// ServerUnavailable. What counts as an answer, and which server may be waited for, is
/// <see cref="FailureClassifier"/>'s to say. An outage limit of zero turns holding off; the call's end still stops
/// every request.
/// </summary>
internal sealed partial class ServerGate : IDisposable
{
    private readonly object _lock = new();
    private readonly string _server;
    private readonly TimeSpan _outageTimeout;
    private readonly ServerProbes _probes;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _disposed = new();
    private readonly GateHold _hold;

    private ServerSighting _seen;
    private DateTimeOffset _lastAnswer;
    private DateTimeOffset? _heldUntil;
    private SynapseClientException? _lastFailure;
    private int _probeCount;

    /// <param name="server">The server's origin, for messages.</param>
    /// <param name="outageTimeout">How long the server may give no answer before the call gives up; zero turns holding off.</param>
    /// <param name="probe">One request straight to the server, as <see cref="ServerProbes"/> sends it.</param>
    public ServerGate(string server, TimeSpan outageTimeout, Func<CancellationToken, Task<bool>> probe, TimeProvider time)
    {
        if (outageTimeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(outageTimeout));
        _server = server ?? throw new ArgumentNullException(nameof(server));
        _outageTimeout = outageTimeout;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _probes = new ServerProbes(probe, time);
        _hold = new GateHold(_disposed.Token);
        _lastAnswer = _time.GetUtcNow();
    }

    /// <summary>Raised once when an outage begins, on the thread that reported the failure.</summary>
    public event EventHandler<OutageBeganEventArgs>? OutageBegan;

    /// <summary>Raised once when the server is back, or is found to refuse the call, on the thread that found it.</summary>
    public event EventHandler<OutageEndedEventArgs>? OutageEnded;

    /// <summary>False when the outage limit is zero: the gate never holds.</summary>
    public bool IsEnabled => _outageTimeout > TimeSpan.Zero;

    /// <summary>The uploads under way, for the outage's message ("4 uploads paused").</summary>
    public UploadCount Uploads { get; } = new();

    public ServerGateSnapshot Snapshot()
    {
        lock (_lock)
            return new ServerGateSnapshot(State, _lastAnswer, State == ServerGateState.Throttled ? _heldUntil : null,
                State == ServerGateState.Open ? null : _lastFailure, _probeCount);
    }

    /// <summary>Completes while the gate is open, or once it opens; throws the call's end, or once the gate is disposed.</summary>
    public Task WaitUntilOpenAsync(CancellationToken ct) => _hold.WaitAsync(ct);

    /// <summary>
    /// The outcome of an attempt sent through the gate (<paramref name="failure"/> null: it succeeded). An answer
    /// restarts the outage clock and ends an outage; any outcome may tell the call more of its server.
    /// </summary>
    public void Report(SynapseClientException? failure)
    {
        OutageEndedEventArgs? ended = null;
        lock (_lock)
        {
            if (State == ServerGateState.GaveUp) return;
            _seen = FailureClassifier.Sighted(_seen, failure);
            if (failure is not null && !FailureClassifier.ServerAnswered(failure)) return;
            var now = _time.GetUtcNow();
            if (State == ServerGateState.WaitingForServer)
            {
                ended = new OutageEndedEventArgs(_server, _lastAnswer, now);
                _hold.Change(ServerGateState.Open);
            }
            _lastAnswer = now;
        }
        if (ended is not null) OutageEnded?.Invoke(this, ended);
    }

    /// <summary>The server answered (a request, a probe): <see cref="Report"/> of a success.</summary>
    public void ReportAnswered() => Report(null);

    /// <summary>A request's ordinary retries are spent and the server seems gone: an outage begins or goes on, if the call may wait it out.</summary>
    public OutageDecision ReportServerGone(SynapseClientException failure)
    {
        if (failure is null) throw new ArgumentNullException(nameof(failure));
        OutageBeganEventArgs began;
        lock (_lock)
        {
            if (!IsEnabled || !FailureClassifier.MayWaitOut(_seen)) return OutageDecision.FailAsToday;
            if (State == ServerGateState.GaveUp) return OutageDecision.WaitForServer;   // the wait throws ServerUnavailable
            _lastFailure = failure;
            if (State == ServerGateState.WaitingForServer) return OutageDecision.WaitForServer;
            if (_time.GetUtcNow() >= Deadline)
            {
                GiveUp();   // the retries alone outlasted the limit
                return OutageDecision.WaitForServer;
            }
            began = new OutageBeganEventArgs(_server, _lastAnswer, failure, Uploads.Count, _outageTimeout);
            _probeCount = 0;
            Begin(ServerGateState.WaitingForServer, ProbeAsync);
        }
        OutageBegan?.Invoke(this, began);
        return OutageDecision.WaitForServer;
    }

    /// <summary>
    /// The server asked everyone to wait (<see cref="FailureClassifier.AsksEveryoneToWait"/>): every request waits
    /// until then (<see cref="FailureClassifier.CapRetryAfter"/>), spending no retries; the outage limit bounds a server
    /// that throttles for ever. False when holding is off: the request's own retry waits instead.
    /// </summary>
    public bool HoldFor(TimeSpan retryAfter, SynapseClientException failure)
    {
        if (failure is null) throw new ArgumentNullException(nameof(failure));
        lock (_lock)
        {
            if (!IsEnabled) return false;
            _seen = FailureClassifier.Sighted(_seen, failure);
            if (State is ServerGateState.GaveUp or ServerGateState.WaitingForServer) return true;
            var until = _time.GetUtcNow() + FailureClassifier.CapRetryAfter(retryAfter);
            _lastFailure = failure;
            if (State == ServerGateState.Throttled && _heldUntil >= until) return true;
            _heldUntil = until;
            Begin(ServerGateState.Throttled, ReleaseAsync);
        }
        return true;
    }

    /// <summary>
    /// The classifier answered WaitForServer: a shared Retry-After holds the call, a server that seems gone is an
    /// outage. False when the request fails instead (holding is off, or the call has never seen its server).
    /// </summary>
    public bool Hold(SynapseClientException failure) => FailureClassifier.AsksEveryoneToWait(failure)
        ? HoldFor(failure.RetryAfter!.Value, failure)
        : ReportServerGone(failure) == OutageDecision.WaitForServer;

    /// <summary>A failure that dooms every file (401, 403, 507): every waiter and every later request fails with it.</summary>
    public void EndCall(SynapseClientException failure)
    {
        if (failure is null) throw new ArgumentNullException(nameof(failure));
        lock (_lock)
            if (State != ServerGateState.GaveUp) _hold.End(failure);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed.IsCancellationRequested) return;
            _disposed.Cancel();
            _hold.WakeAll();
        }
    }

    private DateTimeOffset Deadline => _lastAnswer + _outageTimeout;

    private ServerGateState State => _hold.State;

    // The caller holds _lock.
    private void GiveUp() => _hold.End(OutageMessages.GaveUp(_server, _lastAnswer, _time.GetUtcNow(), _outageTimeout, _lastFailure));
}
