using System;

namespace SynapsePS.Resilience;

/// <summary>
/// The wait for a call's server is over: it is back and the paused uploads go on, or it turned out to be there and
/// refusing the call (one information line for the hosting layer).
/// </summary>
internal sealed class OutageEndedEventArgs : EventArgs
{
    public OutageEndedEventArgs(string server, DateTimeOffset lastAnswer, DateTimeOffset back, bool refusesTheCall = false)
    {
        Server = server;
        LastAnswer = lastAnswer;
        Back = back;
        RefusesTheCall = refusesTheCall;
    }

    public string Server { get; }

    /// <summary>When the server last answered before the outage.</summary>
    public DateTimeOffset LastAnswer { get; }

    /// <summary>When the server answered again (a probe, or a request that was still in flight).</summary>
    public DateTimeOffset Back { get; }

    /// <summary>
    /// The server never answered the call, and hung up on the probe as it had on the request: it is there and
    /// refuses the call, so the waiting uploads fail rather than wait.
    /// </summary>
    public bool RefusesTheCall { get; }

    /// <summary>How long the server was away.</summary>
    public TimeSpan Duration => Back - LastAnswer;
}
