namespace SynapsePS.Resilience;

/// <summary>What a request does after the server seemed gone (its ordinary retries spent).</summary>
internal enum OutageDecision
{
    /// <summary>Fail the request as before: the outage limit is off, or the call has never seen its server.</summary>
    FailAsToday,

    /// <summary>Wait for the gate to open, then send the request again (resynchronising with the server first).</summary>
    WaitForServer,
}
