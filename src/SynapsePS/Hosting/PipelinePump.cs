using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Hosting;

/// <summary>
/// Runs work on other threads while keeping every Write* call on the pipeline thread: workers post actions,
/// the pipeline thread runs them, and ticks a renderer a few times a second until the work is done.
/// </summary>
internal sealed class PipelinePump : IDisposable
{
    private static readonly TimeSpan s_tick = TimeSpan.FromMilliseconds(200);
    private readonly BlockingCollection<Action> _queue = new(new ConcurrentQueue<Action>());

    /// <summary>Queues an action for the pipeline thread; safe from any thread, a no-op once the pump is gone.</summary>
    public void Post(Action action)
    {
        try { _queue.Add(action); }
        catch (ObjectDisposedException) { }
        catch (InvalidOperationException) { }
    }

    /// <summary>Pumps until <paramref name="work"/> completes, calling <paramref name="tick"/> at most every 200 ms.</summary>
    public void RunUntil(Task work, Action? tick = null)
    {
        using var done = new CancellationTokenSource();
        // Wake at once when the work ends instead of waiting out the tick.
        work.ContinueWith(static (_, state) =>
        {
            try { ((CancellationTokenSource)state!).Cancel(); } catch (ObjectDisposedException) { }
        }, done, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        var nextTick = tick is null ? DateTime.MaxValue : DateTime.UtcNow;
        while (!work.IsCompleted)
        {
            if (DrainUntil(nextTick))
            {
                // After a busy spell, nap a millisecond instead of blocking: a flood of posts (a rerun settling tens
                // of thousands of skipped files a second) is then taken in batches, not one wake-up per post.
                Thread.Sleep(1);
            }
            else
            {
                try
                {
                    if (_queue.TryTake(out var action, (int)s_tick.TotalMilliseconds, done.Token)) action();
                }
                catch (OperationCanceledException) when (done.IsCancellationRequested) { }
            }

            if (tick is not null && DateTime.UtcNow >= nextTick)
            {
                tick();
                nextTick = DateTime.UtcNow + s_tick;
            }
        }
        Drain();
    }

    /// <summary>Runs what is queued until the queue is empty or the next tick is due; whether anything ran.</summary>
    private bool DrainUntil(DateTime nextTick)
    {
        var ran = false;
        while (_queue.TryTake(out var action))
        {
            action();
            ran = true;
            if (DateTime.UtcNow >= nextTick) break;
        }
        return ran;
    }

    /// <summary>Runs whatever is queued now, without waiting.</summary>
    public void Drain()
    {
        while (_queue.TryTake(out var action)) action();
    }

    public void Dispose() => _queue.Dispose();
}
