using System;

namespace SynapsePS.Resilience;

/// <summary>An answer of <see cref="FailureClassifier"/>: what to do, and how long to wait first when it is a retry.</summary>
internal readonly struct FailureDecision
{
    private FailureDecision(FailureAction action, TimeSpan? delay)
    {
        Action = action;
        Delay = delay;
    }

    public static readonly FailureDecision EndCall = new(FailureAction.EndCall, null);
    public static readonly FailureDecision FailFile = new(FailureAction.FailFile, null);
    public static readonly FailureDecision WaitForServer = new(FailureAction.WaitForServer, null);

    /// <param name="delay">The wait before the retry; null for the policy's backoff with jitter.</param>
    public static FailureDecision Retry(TimeSpan? delay) => new(FailureAction.RetryRequest, delay);

    public FailureAction Action { get; }

    /// <summary>For <see cref="FailureAction.RetryRequest"/>: the wait the server asked for; null for the backoff.</summary>
    public TimeSpan? Delay { get; }

    public override string ToString() => Delay is { } d ? $"{Action} after {d}" : Action.ToString();
}
