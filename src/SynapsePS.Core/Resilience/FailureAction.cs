namespace SynapsePS.Resilience;

/// <summary>What the engine does after a failure: the answers of <see cref="FailureClassifier"/>.</summary>
public enum FailureAction
{
    /// <summary>Send the same request again, after the backoff or the server's Retry-After.</summary>
    RetryRequest,

    /// <summary>
    /// The server, not the request, is unwell (an outage, a Retry-After meant for every request): the whole call
    /// pauses at its <see cref="ServerGate"/>, then sends the request again.
    /// </summary>
    WaitForServer,

    /// <summary>No file of the call can succeed: the call ends at once (a terminating error).</summary>
    EndCall,

    /// <summary>Only this file fails; the call goes on with the next one.</summary>
    FailFile,
}
