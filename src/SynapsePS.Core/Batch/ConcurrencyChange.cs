namespace SynapsePS.Batch;

/// <summary>The count of uploads at once changed, and why: one -Verbose line.</summary>
internal sealed class ConcurrencyChange
{
    public ConcurrencyChange(int from, int to, string reason)
    {
        From = from;
        To = to;
        Reason = reason;
    }

    public int From { get; }
    public int To { get; }
    public string Reason { get; }

    /// <summary>"Uploads at once: 16 → 8: the server answered 503".</summary>
    public override string ToString() => $"Uploads at once: {From} → {To}: {Reason}.";
}
