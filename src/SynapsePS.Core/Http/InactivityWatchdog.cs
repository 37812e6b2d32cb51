using System;
using System.Threading;

namespace SynapsePS.Http;

/// <summary>
/// Cancels one request attempt when it makes no progress for the timeout. Every block written pushes the
/// deadline back, so a slow but moving transfer lives on while a stalled one (server stopped reading) dies.
/// </summary>
internal sealed class InactivityWatchdog : IDisposable
{
    private readonly CancellationTokenSource _cts;
    private readonly TimeSpan _timeout;

    public InactivityWatchdog(TimeSpan timeout, CancellationToken outer)
    {
        _timeout = timeout;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _cts.CancelAfter(timeout);
    }

    public CancellationToken Token => _cts.Token;

    public void Kick()
    {
        try { _cts.CancelAfter(_timeout); }
        catch (ObjectDisposedException) { /* the attempt is already over */ }
    }

    public void Dispose() => _cts.Dispose();
}
