using System;
using System.Threading;

namespace SynapsePS.Resilience;

/// <summary>How many uploads of a call are under way: each counts from <see cref="Track"/> until it disposes what that returned.</summary>
internal sealed class UploadCount
{
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public IDisposable Track()
    {
        Interlocked.Increment(ref _count);
        return new Tracking(this);
    }

    private sealed class Tracking(UploadCount owner) : IDisposable
    {
        private UploadCount? _owner = owner;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _owner, null) is { } counted) Interlocked.Decrement(ref counted._count);
        }
    }
}
