namespace SynapsePS.Resilience;

/// <summary>Whether the requests of a call may go to the server now.</summary>
internal enum ServerGateState
{
    /// <summary>Requests go out.</summary>
    Open,

    /// <summary>The server asked to wait (429 or 503 with Retry-After): every request waits until that time.</summary>
    Throttled,

    /// <summary>The server went away: every request waits while one probe at a time asks whether it is back.</summary>
    WaitingForServer,

    /// <summary>The server stayed away past the outage limit: every request fails with ServerUnavailable.</summary>
    GaveUp,
}
