using System;

namespace SynapsePS.Protocol;

/// <summary>
/// What one call's requests came to, as each attempt ends: how long it took and the failure, if any. The protocol's
/// one send path reports every attempt here (not the outage probes); a batch listens to learn how fast the server
/// answers and whether it pushes back. One per call, like the server gate.
/// </summary>
internal sealed class RequestMeter
{
    /// <summary>An attempt ended: its duration, and its failure or null when the server accepted it.</summary>
    public event Action<TimeSpan, SynapseClientException?>? AttemptEnded;

    public void Report(TimeSpan took, SynapseClientException? failure) => AttemptEnded?.Invoke(took, failure);
}
