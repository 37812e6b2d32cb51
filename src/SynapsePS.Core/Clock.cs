using System;
using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS;

/// <summary>
/// The engine's waits on the call's one clock (<see cref="SynapseUploadClient"/> takes it in), written once for both
/// builds: netstandard2.0 has no Task.Delay overload that takes a TimeProvider.
/// </summary>
internal static class Clock
{
    /// <summary>Completes after <paramref name="delay"/> on <paramref name="time"/>; a FakeTimeProvider completes it when advanced.</summary>
    public static Task DelayAsync(this TimeProvider time, TimeSpan delay, CancellationToken cancellationToken)
    {
#if NET8_0_OR_GREATER
        return Task.Delay(delay, time, cancellationToken);
#else
        return time.Delay(delay, cancellationToken);
#endif
    }
}
