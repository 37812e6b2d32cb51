namespace SynapsePS.Resilience;

/// <summary>
/// What a call has seen of its server, which decides whether a failure is an outage to wait out
/// (<see cref="FailureClassifier.Sighted"/> moves it on, <see cref="FailureClassifier.MayWaitOut"/> reads it).
/// </summary>
public enum ServerSighting
{
    /// <summary>Nothing yet: a failure now is a wrong address, not an outage.</summary>
    None,

    /// <summary>A request was taken and dropped, but nothing answered: the address is right.</summary>
    Reached,

    /// <summary>It dropped a probe as well before it ever answered: it is there and refuses the call.</summary>
    Refused,

    /// <summary>It answered (a Retry-After included): from now on any failure is an outage.</summary>
    Answered,
}
