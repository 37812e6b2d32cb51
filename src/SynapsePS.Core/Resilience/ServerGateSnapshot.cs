using System;

namespace SynapsePS.Resilience;

/// <summary>What a <see cref="ServerGate"/> is doing, for progress bars and status lines. Immutable.</summary>
internal sealed class ServerGateSnapshot
{
    public ServerGateSnapshot(ServerGateState state, DateTimeOffset lastAnswer, DateTimeOffset? heldUntil,
        SynapseClientException? lastFailure, int probes)
    {
        State = state;
        LastAnswer = lastAnswer;
        HeldUntil = heldUntil;
        LastFailure = lastFailure;
        Probes = probes;
    }

    public ServerGateState State { get; }

    public bool IsHeld => State != ServerGateState.Open;

    /// <summary>When the server last answered (the start of the call before its first answer): the outage clock's start.</summary>
    public DateTimeOffset LastAnswer { get; }

    /// <summary>Until when a Retry-After holds the call, while <see cref="State"/> is Throttled.</summary>
    public DateTimeOffset? HeldUntil { get; }

    /// <summary>The failure that made the gate hold (or the last probe's), while it holds.</summary>
    public SynapseClientException? LastFailure { get; }

    /// <summary>How many probes the current outage has sent.</summary>
    public int Probes { get; }
}
