using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Batch;

/// <summary>
/// How many lanes may be taken at once, with a limit that may change while lanes are taken: a semaphore whose
/// count the batch's pace sets. A lower limit takes no lane back (an upload in flight runs to its end); it only
/// holds new ones until enough have come free. Waiters are served in order. Thread-safe.
/// </summary>
internal sealed class LaneLimiter
{
    private readonly object _lock = new();
    private readonly Queue<TaskCompletionSource<bool>> _waiting = new();
    private int _limit;
    private int _taken;

    public LaneLimiter(int limit) => _limit = limit >= 1 ? limit : throw new ArgumentOutOfRangeException(nameof(limit));

    /// <summary>How many lanes may be taken at once now.</summary>
    public int Limit
    {
        get { lock (_lock) return _limit; }
    }

    /// <summary>Completes once a lane is this caller's; throws <see cref="OperationCanceledException"/> when cancelled first.</summary>
    public Task WaitAsync(CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        TaskCompletionSource<bool> waiter;
        lock (_lock)
        {
            if (_waiting.Count == 0 && _taken < _limit)
            {
                _taken++;
                return Task.CompletedTask;
            }
            waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(waiter);
        }
        return WaitForTurnAsync(waiter, cancellation);
    }

    /// <summary>Gives a lane back.</summary>
    public void Release()
    {
        lock (_lock)
        {
            if (_taken == 0) throw new InvalidOperationException("A lane was given back that was never taken.");
            _taken--;
            ServeWaiting();
        }
    }

    /// <summary>Sets how many lanes may be taken at once; a higher limit lets waiters in at once.</summary>
    public void SetLimit(int limit)
    {
        if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit));
        lock (_lock)
        {
            _limit = limit;
            ServeWaiting();
        }
    }

    private static async Task WaitForTurnAsync(TaskCompletionSource<bool> waiter, CancellationToken cancellation)
    {
        // A waiter cancelled before its turn stays queued but can no longer be served, so it is skipped.
        using (cancellation.Register(() => waiter.TrySetCanceled()))
            await waiter.Task.ConfigureAwait(false);
    }

    private void ServeWaiting()
    {
        while (_taken < _limit && _waiting.Count > 0)
            if (_waiting.Dequeue().TrySetResult(true)) _taken++;
    }
}
