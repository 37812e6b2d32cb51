using System;

namespace SynapsePS.Resilience;

/// <summary>The server of a call is back: the paused uploads go on (one information line for the hosting layer).</summary>
internal sealed class OutageEndedEventArgs : EventArgs
{
    public OutageEndedEventArgs(string server, DateTimeOffset lastAnswer, DateTimeOffset back)
    {
        Server = server;
        LastAnswer = lastAnswer;
        Back = back;
    }

    public string Server { get; }

    /// <summary>When the server last answered before the outage.</summary>
    public DateTimeOffset LastAnswer { get; }

    /// <summary>When the server answered again (a probe, or a request that was still in flight).</summary>
    public DateTimeOffset Back { get; }

    /// <summary>How long the server was away.</summary>
    public TimeSpan Duration => Back - LastAnswer;
}
