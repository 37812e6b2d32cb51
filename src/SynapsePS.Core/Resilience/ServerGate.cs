using System;
using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Resilience;

/// <summary>
/// One per upload call, shared by all its lanes: every request waits at the gate before it is sent and every new
/// file before it starts. The gate holds the whole call while the server is away (an outage) or has asked everyone
/// to wait (Retry-After), because both are states of the server, not failures of the file that happened to meet them.
/// During an outage one probe at a time asks whether the server is back, with a backoff from 2 s to 60 s; the first
/// answer opens the gate. The outage clock runs from the server's last answer to any request (anything but a
/// connection failure, 502/503/504 or a Retry-After); past the outage limit every waiter fails with one
/// ServerUnavailable. An outage limit of zero turns the gate off: it never holds, and a
/// Retry-After stays the affair of the request that received it, as the retry policy handles it.
/// </summary>
internal sealed class ServerGate : IDisposable
{
    public static readonly TimeSpan FirstProbeDelay = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan MaxProbeDelay = TimeSpan.FromSeconds(60);

    private readonly object _lock = new();
    private readonly string _server;
    private readonly TimeSpan _outageTimeout;
    private readonly Func<CancellationToken, Task<bool>> _probe;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _disposed = new();

    private ServerGateState _state = ServerGateState.Open;
    private TaskCompletionSource<bool> _opened = NewSignal(opened: true);
    private Sighting _seen;
    private DateTimeOffset _lastAnswer;
    private DateTimeOffset? _heldUntil;
    private SynapseClientException? _lastFailure;
    private SynapseClientException? _gaveUp;
    private ITimer? _timer;
    private int _hold;            // which hold a timer belongs to: a stale timer finds another number and does nothing
    private int _probes;
    private int _activeUploads;

    /// <param name="server">The server's origin, for messages.</param>
    /// <param name="outageTimeout">How long the server may give no answer before the call gives up; zero turns the gate off.</param>
    /// <param name="probe">
    /// Sends one request straight to the server (not through this gate, without retries, bounded by the request
    /// timeout): true when the server answered anything but a connection failure or 502/503/504, false otherwise
    /// (or a SynapseClientException, kept as the last failure).
    /// </param>
    public ServerGate(string server, TimeSpan outageTimeout, Func<CancellationToken, Task<bool>> probe, TimeProvider? time = null)
    {
        if (outageTimeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(outageTimeout));
        _server = server ?? throw new ArgumentNullException(nameof(server));
        _outageTimeout = outageTimeout;
        _probe = probe ?? throw new ArgumentNullException(nameof(probe));
        _time = time ?? TimeProvider.System;
        _lastAnswer = _time.GetUtcNow();
    }

    /// <summary>Raised once when an outage begins, on the thread that reported the failure.</summary>
    public event EventHandler<OutageBeganEventArgs>? OutageBegan;

    /// <summary>Raised once when the server is back, or is found to refuse the call, on the thread of the probe or request that found it.</summary>
    public event EventHandler<OutageEndedEventArgs>? OutageEnded;

    /// <summary>False when the outage limit is zero: the gate never holds.</summary>
    public bool IsEnabled => _outageTimeout > TimeSpan.Zero;

    public ServerGateSnapshot Snapshot()
    {
        lock (_lock)
            return new ServerGateSnapshot(_state, _lastAnswer, _state == ServerGateState.Throttled ? _heldUntil : null,
                _state == ServerGateState.Open ? null : _lastFailure, _probes);
    }

    /// <summary>Counts an upload as under way until the returned object is disposed ("4 uploads paused").</summary>
    public IDisposable TrackUpload()
    {
        Interlocked.Increment(ref _activeUploads);
        return new UploadTracking(this);
    }

    /// <summary>
    /// Completes at once while the gate is open; otherwise when it opens again. Throws the call's ServerUnavailable
    /// once the gate gave up, and OperationCanceledException as soon as <paramref name="ct"/> is cancelled.
    /// </summary>
    public Task WaitUntilOpenAsync(CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return Task.FromCanceled(ct);
        lock (_lock)
            if (_state == ServerGateState.Open) return Task.CompletedTask;
        return WaitHeldAsync(ct);
    }

    /// <summary>
    /// The server answered a request (2xx, or a 4xx about the file: anything the classifier does not call "server
    /// gone" or "wait"): the outage clock starts afresh, an outage ends, and the call has seen its server.
    /// </summary>
    public void ReportAnswered()
    {
        OutageEndedEventArgs? ended = null;
        lock (_lock)
        {
            if (_state == ServerGateState.GaveUp) return;
            var now = _time.GetUtcNow();
            if (_state == ServerGateState.WaitingForServer)
            {
                ended = new OutageEndedEventArgs(_server, _lastAnswer, now);
                Open();
            }
            _seen = Sighting.Answered;
            _lastAnswer = now;
        }
        if (ended is not null) OutageEnded?.Invoke(this, ended);
    }

    /// <summary>
    /// A request reached the server, which closed the connection without answering (it was stopped mid-exchange):
    /// the call has seen its server, so a failure that follows is an outage, not a wrong address. Unlike an answer,
    /// this neither ends an outage nor restarts its clock. It proves nothing more once the server, never having
    /// answered, has dropped a probe as well (it refuses the call).
    /// </summary>
    public void ReportReached()
    {
        lock (_lock)
            if (_seen == Sighting.None) _seen = Sighting.Reached;
    }

    /// <summary>
    /// A request failed because the server seems gone (connection refused, reset, timed out, or 502/503/504) after
    /// its ordinary retries. A call that has never seen its server (no answer, no request taken) fails as before:
    /// that is a wrong URL, port or name (a proxy or gateway answers 502/504 for a name it cannot resolve), not an
    /// outage worth half an hour's wait.
    /// </summary>
    public OutageDecision ReportServerGone(SynapseClientException failure)
    {
        if (failure is null) throw new ArgumentNullException(nameof(failure));
        OutageBeganEventArgs? began = null;
        lock (_lock)
        {
            if (!IsEnabled) return OutageDecision.FailAsToday;
            if (_seen is not (Sighting.Reached or Sighting.Answered)) return OutageDecision.FailAsToday;
            if (_state == ServerGateState.GaveUp) return OutageDecision.WaitForServer;   // the wait throws ServerUnavailable
            _lastFailure = failure;
            if (_state == ServerGateState.WaitingForServer) return OutageDecision.WaitForServer;

            Close(ServerGateState.WaitingForServer);
            began = new OutageBeganEventArgs(_server, _lastAnswer, failure, Volatile.Read(ref _activeUploads), _outageTimeout);
            ScheduleProbe(attempt: 1);
            if (_state == ServerGateState.GaveUp) began = null;   // the retries alone outlasted the limit
        }
        if (began is not null) OutageBegan?.Invoke(this, began);
        return OutageDecision.WaitForServer;
    }

    /// <summary>
    /// The server asked to wait (429, or 503 with Retry-After): every request of the call waits until then (cut to
    /// UploadOptions.MaxRetryAfter), and the wait uses up no request's retries; the outage limit bounds a server that
    /// throttles for ever. Returns false when the gate is off: the request handles the Retry-After itself, as before.
    /// </summary>
    public bool HoldFor(TimeSpan retryAfter, SynapseClientException failure)
    {
        if (failure is null) throw new ArgumentNullException(nameof(failure));
        lock (_lock)
        {
            if (!IsEnabled) return false;
            _seen = Sighting.Answered;
            if (_state is ServerGateState.GaveUp or ServerGateState.WaitingForServer) return true;
            var wait = retryAfter < TimeSpan.Zero ? TimeSpan.Zero
                : retryAfter > UploadOptions.MaxRetryAfter ? UploadOptions.MaxRetryAfter : retryAfter;
            var until = _time.GetUtcNow() + wait;
            _lastFailure = failure;
            if (_state == ServerGateState.Throttled && _heldUntil >= until) return true;
            Close(ServerGateState.Throttled);
            _heldUntil = until;
            ScheduleRelease();
        }
        return true;
    }

    /// <summary>
    /// A failure that dooms every file (401, 403, 507): every waiter and every later request fails with it, so no
    /// request but those already on the wire reaches the server. Works with the gate off too.
    /// </summary>
    public void EndCall(SynapseClientException failure)
    {
        if (failure is null) throw new ArgumentNullException(nameof(failure));
        lock (_lock)
            if (_state != ServerGateState.GaveUp) Stop(failure);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed.IsCancellationRequested) return;
            _disposed.Cancel();
            _timer?.Dispose();
            _timer = null;
            _opened.TrySetResult(true);   // waiters wake and find the gate disposed
        }
    }

    private async Task WaitHeldAsync(CancellationToken ct)
    {
        while (true)
        {
            Task opened;
            lock (_lock)
            {
                if (_disposed.IsCancellationRequested) throw new ObjectDisposedException(nameof(ServerGate));
                if (_gaveUp is not null) throw _gaveUp;
                if (_state == ServerGateState.Open) return;
                opened = _opened.Task;
            }
            await WhenOpenedOrCancelled(opened, ct).ConfigureAwait(false);
        }
    }

    private static async Task WhenOpenedOrCancelled(Task opened, CancellationToken ct)
    {
        var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (ct.Register(static s => ((TaskCompletionSource<bool>)s!).TrySetResult(true), cancelled))
            await Task.WhenAny(opened, cancelled.Task).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
    }

    // Runs on a timer: one probe; the gate opens on an answer, otherwise the next probe waits longer.
    private async Task ProbeAsync(int hold, int attempt)
    {
        lock (_lock)
        {
            if (hold != _hold || _state != ServerGateState.WaitingForServer) return;
            _probes++;
        }
        bool back;
        SynapseClientException? failure = null;
        try
        {
            back = await _probe(_disposed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            return;
        }
        catch (SynapseClientException ex)
        {
            (back, failure) = (false, ex);
        }
        catch (Exception ex)
        {
            // A fault of the probe is no reason to stop probing; the outage limit still ends the wait.
            (back, failure) = (false, new SynapseClientException(SynapseErrorKind.UnexpectedError,
                $"Probing the server failed unexpectedly: {ex.GetType().Name}: {ex.Message}", inner: ex));
        }

        if (back)
        {
            ReportAnswered();
            return;
        }
        OutageEndedEventArgs? refused = null;
        lock (_lock)
        {
            if (hold != _hold || _state != ServerGateState.WaitingForServer) return;
            if (failure is not null) _lastFailure = failure;
            if (_seen == Sighting.Reached && failure is not null && FailureClassifier.ServerWasReached(failure))
            {
                // The outage rested on a request the server took and dropped, and the server takes this probe and drops
                // it too: it is there and refuses this call (a client certificate it asks for where the handler cannot
                // tell, a firewall that resets), which is no outage. The waiters send once more and fail as before.
                _seen = Sighting.Refused;
                refused = new OutageEndedEventArgs(_server, _lastAnswer, _time.GetUtcNow(), refusesTheCall: true);
                Open();
            }
            else if (_time.GetUtcNow() >= Deadline) GiveUp();
            else ScheduleProbe(attempt + 1);
        }
        if (refused is not null) OutageEnded?.Invoke(this, refused);
    }

    private void OnReleaseTime(int hold)
    {
        lock (_lock)
        {
            if (hold != _hold || _state != ServerGateState.Throttled) return;
            var now = _time.GetUtcNow();
            if (now >= Deadline) GiveUp();
            else if (now < _heldUntil) ScheduleRelease();   // an answer moved the deadline past the first timer
            else Open();
        }
    }

    /// <summary>The probe delay before probe number <paramref name="attempt"/> (1-based): 2, 4, 8, 16, 32, 60, 60, ... s.</summary>
    internal static TimeSpan ProbeDelay(int attempt)
    {
        var seconds = FirstProbeDelay.TotalSeconds * Math.Pow(2, Math.Min(attempt - 1, 10));
        return seconds >= MaxProbeDelay.TotalSeconds ? MaxProbeDelay : TimeSpan.FromSeconds(seconds);
    }

    private DateTimeOffset Deadline => _lastAnswer + _outageTimeout;

    // The callers below hold _lock.

    private void ScheduleProbe(int attempt)
    {
        // The last probe goes at the deadline itself, so the limit is kept to the second and still checked by an answer.
        var left = Deadline - _time.GetUtcNow();
        if (left <= TimeSpan.Zero)
        {
            GiveUp();
            return;
        }
        var wait = ProbeDelay(attempt) < left ? ProbeDelay(attempt) : left;
        var hold = _hold;
        StartTimer(wait, () => _ = ProbeAsync(hold, attempt));
    }

    private void ScheduleRelease()
    {
        var until = _heldUntil!.Value < Deadline ? _heldUntil.Value : Deadline;
        var hold = _hold;
        StartTimer(until - _time.GetUtcNow(), () => OnReleaseTime(hold));
    }

    private void StartTimer(TimeSpan wait, Action fire)
    {
        _timer?.Dispose();
        if (_disposed.IsCancellationRequested) return;
        // At least a tick: a timer due at once may fire on this thread, inside the lock.
        var due = wait > TimeSpan.Zero ? wait : TimeSpan.FromTicks(1);
        _timer = _time.CreateTimer(static s => ((Action)s!)(), fire, due, Timeout.InfiniteTimeSpan);
    }

    private void Close(ServerGateState state)
    {
        _timer?.Dispose();
        _timer = null;
        _hold++;
        _probes = 0;
        if (_opened.Task.IsCompleted) _opened = NewSignal(opened: false);
        _state = state;
    }

    private void Open()
    {
        _timer?.Dispose();
        _timer = null;
        _hold++;
        _heldUntil = null;
        _state = ServerGateState.Open;
        _opened.TrySetResult(true);
    }

    private void GiveUp() => Stop(OutageMessages.GaveUp(_server, _lastAnswer, _time.GetUtcNow(), _outageTimeout, _lastFailure));

    private void Stop(SynapseClientException end)
    {
        _gaveUp = end;
        _timer?.Dispose();
        _timer = null;
        _hold++;
        _heldUntil = null;
        _state = ServerGateState.GaveUp;
        _opened.TrySetResult(true);
    }

    private static TaskCompletionSource<bool> NewSignal(bool opened)
    {
        var signal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (opened) signal.SetResult(true);
        return signal;
    }

    /// <summary>What the call has seen of its server, which decides whether a failure is an outage to wait out.</summary>
    private enum Sighting
    {
        /// <summary>Nothing yet: a failure now is a wrong address, not an outage.</summary>
        None,

        /// <summary>A request was taken and dropped, but nothing answered: the address is right.</summary>
        Reached,

        /// <summary>It dropped a probe as well before it ever answered: it is there and refuses the call.</summary>
        Refused,

        /// <summary>It answered (a Retry-After included): from now on any failure is an outage.</summary>
        Answered,
    }

    private sealed class UploadTracking : IDisposable
    {
        private ServerGate? _gate;

        public UploadTracking(ServerGate gate) => _gate = gate;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _gate, null) is { } gate) Interlocked.Decrement(ref gate._activeUploads);
        }
    }
}
