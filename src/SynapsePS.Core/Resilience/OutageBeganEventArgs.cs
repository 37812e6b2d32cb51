using System;

namespace SynapsePS.Resilience;

/// <summary>The server of a call went away: every upload is paused (one warning for the hosting layer).</summary>
internal sealed class OutageBeganEventArgs : EventArgs
{
    public OutageBeganEventArgs(string server, DateTimeOffset lastAnswer, SynapseClientException failure,
        int uploadsPaused, TimeSpan waitingUpTo)
    {
        Server = server;
        LastAnswer = lastAnswer;
        Failure = failure;
        UploadsPaused = uploadsPaused;
        WaitingUpTo = waitingUpTo;
    }

    /// <summary>The server as the caller named it (its origin).</summary>
    public string Server { get; }

    /// <summary>When the server last answered: "has not answered since".</summary>
    public DateTimeOffset LastAnswer { get; }

    /// <summary>Why the gate holds: the failure that ended the request's ordinary retries.</summary>
    public SynapseClientException Failure { get; }

    /// <summary>How many uploads of the call were under way (<see cref="ServerGate.TrackUpload"/>) and now wait.</summary>
    public int UploadsPaused { get; }

    /// <summary>The outage limit: how long, counted from <see cref="LastAnswer"/>, the call waits at most.</summary>
    public TimeSpan WaitingUpTo { get; }
}
