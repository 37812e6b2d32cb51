using System;
using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Resilience;

/// <summary>
/// Whether a <see cref="ServerGate"/> holds its call, and what its waiters wait on: open, held (they wait, while the
/// hold's round runs: probes, or a Retry-After's wait), or ended (they fail with the call's end). Each hold has a
/// number and a cancellation that the next change of state fires, so a round of an earlier hold does nothing.
/// The gate changes it under its own lock; waits read it without one.
/// </summary>
internal sealed class GateHold
{
    private readonly object _lock = new();
    private readonly CancellationToken _disposed;
    private TaskCompletionSource<bool> _opened = NewSignal(opened: true);
    private CancellationTokenSource? _round;
    private SynapseClientException? _end;

    /// <param name="disposed">Cancelled when the gate is disposed: it ends every round, and every wait fails.</param>
    public GateHold(CancellationToken disposed) => _disposed = disposed;

    public ServerGateState State { get; private set; } = ServerGateState.Open;

    /// <summary>The current hold's number.</summary>
    public int Number { get; private set; }

    /// <summary>Ends the current hold's round and starts a new hold in <paramref name="state"/>; returns the token its round runs on.</summary>
    public CancellationToken Change(ServerGateState state)
    {
        lock (_lock)
        {
            _round?.Cancel();
            _round?.Dispose();
            _round = CancellationTokenSource.CreateLinkedTokenSource(_disposed);
            Number++;
            State = state;
            if (state != ServerGateState.Open && _end is null && _opened.Task.IsCompleted) _opened = NewSignal(opened: false);
            if (state == ServerGateState.Open) _opened.TrySetResult(true);
            return _round.Token;
        }
    }

    /// <summary>Every waiter, and every later wait, fails with <paramref name="end"/>.</summary>
    public void End(SynapseClientException end)
    {
        Change(ServerGateState.GaveUp);
        lock (_lock)
        {
            _end = end;
            _opened.TrySetResult(true);
        }
    }

    /// <summary>Wakes every waiter to find the gate disposed.</summary>
    public void WakeAll()
    {
        lock (_lock) _opened.TrySetResult(true);
    }

    /// <summary>Completes while open, or once opened; throws the end, ObjectDisposedException once disposed, or on cancellation.</summary>
    public Task WaitAsync(CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return Task.FromCanceled(ct);
        lock (_lock)
            if (_end is null && State == ServerGateState.Open) return Task.CompletedTask;
        return WaitHeldAsync(ct);
    }

    private async Task WaitHeldAsync(CancellationToken ct)
    {
        while (true)
        {
            Task opened;
            lock (_lock)
            {
                if (_disposed.IsCancellationRequested) throw new ObjectDisposedException(nameof(ServerGate));
                if (_end is not null) throw _end;
                if (State == ServerGateState.Open) return;
                opened = _opened.Task;
            }
            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (ct.Register(static s => ((TaskCompletionSource<bool>)s!).TrySetResult(true), cancelled))
                await Task.WhenAny(opened, cancelled.Task).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
        }
    }

    private static TaskCompletionSource<bool> NewSignal(bool opened)
    {
        var signal = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (opened) signal.SetResult(true);
        return signal;
    }
}
