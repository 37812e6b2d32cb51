using System;

namespace SynapsePS.Batch;

// The batch's pace: how many files upload at once. Pinned by -ThrottleLimit, or set by the controller from what
// the call's requests and files came to; each change is one Verbose line with its reason.
public sealed partial class UploadBatch
{
    private readonly ConcurrencyController? _pace;
    private readonly object _pacing = new();
    private int _onLanes;
    private int _mostRunning;

    /// <summary>Whether the batch chooses its count itself (no -ThrottleLimit).</summary>
    public bool IsPaced => _pace is not null;

    /// <summary>How many files may upload at once now.</summary>
    public int Concurrency => _pace?.Limit ?? _lanes.Length;

    /// <summary>The most files that have uploaded at once so far.</summary>
    public int HighestConcurrency
    {
        get { lock (_gate) return _mostRunning; }
    }

    private void OnAttemptEnded(TimeSpan took, SynapseClientException? failure)
    {
        try
        {
            Paced(_pace!.RequestEnded(took, failure));
        }
        catch (Exception ex)
        {
            // Reported from a request's own thread: a fault of the pace must not become that request's failure.
            _log?.Warning($"The batch could not adjust its uploads at once: {ex.Message}");
        }
    }

    private void Paced(ConcurrencyChange? change)
    {
        if (change is null) return;
        // The controller's latest count, not this change's: changes from two threads may arrive out of order.
        lock (_pacing) _free.SetLimit(_pace!.Limit);
        _log?.Verbose(change.ToString());
    }
}
