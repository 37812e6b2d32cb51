using Microsoft.Extensions.Time.Testing;

namespace SynapsePS.Core.Tests.Kit;

/// <summary>
/// A fake clock that counts the timers on it that have neither fired nor gone: the waiters asleep on it. A test
/// moves it on only once what it drives sleeps, so nothing runs late because the clock ran ahead of a thread.
/// </summary>
public sealed class ParkingClock : FakeTimeProvider
{
    private int _sleeping;

    public ParkingClock()
    {
    }

    public ParkingClock(DateTimeOffset start) : base(start)
    {
    }

    public int Sleeping => Volatile.Read(ref _sleeping);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var awake = 0;
        void Wake() { if (Interlocked.Exchange(ref awake, 1) == 0) Interlocked.Decrement(ref _sleeping); }
        var timer = new WakingTimer(base.CreateTimer(s => { Wake(); callback(s); }, state, dueTime, period), Wake);
        // Counted only once it is set: counted before, the clock could run on while the timer takes its due time.
        Interlocked.Increment(ref _sleeping);
        return timer;
    }

    private sealed class WakingTimer(ITimer timer, Action wake) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => timer.Change(dueTime, period);
        public void Dispose() { wake(); timer.Dispose(); }
        public ValueTask DisposeAsync() { wake(); return timer.DisposeAsync(); }
    }
}
