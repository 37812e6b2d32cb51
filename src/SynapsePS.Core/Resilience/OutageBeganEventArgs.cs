using System;

namespace SynapsePS.Resilience;

/// <summary>The server of a call went away: every upload is paused (one warning for the hosting layer).</summary>
internal sealed class OutageBeganEventArgs : EventArgs
{
    public OutageBeganEventArgs(string server, DateTimeOffset lastSuccess, SynapseClientException failure,
        int uploadsPaused, TimeSpan waitingUpTo)
    {
        Server = server;
        LastSuccess = lastSuccess;
        Failure = failure;
        UploadsPaused = uploadsPaused;
        WaitingUpTo = waitingUpTo;
    }

    /// <summary>The server as the caller named it (its origin).</summary>
    public string Server { get; }

    /// <summary>When a request last succeeded: "has not answered since".</summary>
    public DateTimeOffset LastSuccess { get; }

    /// <summary>Why the gate holds: the failure that ended the request's ordinary retries.</summary>
    public SynapseClientException Failure { get; }

    /// <summary>How many uploads of the call were under way (<see cref="ServerGate.TrackUpload"/>) and now wait.</summary>
    public int UploadsPaused { get; }

    /// <summary>The outage limit: how long, counted from <see cref="LastSuccess"/>, the call waits at most.</summary>
    public TimeSpan WaitingUpTo { get; }
}
