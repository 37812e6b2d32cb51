using System;
using System.Management.Automation;

namespace SynapsePS.Hosting;

/// <summary>
/// The one way SynapsePS draws progress: a bar per upload slot (child of an optional overall bar), fed from
/// <see cref="LatestProgress"/> on the pipeline thread, closed with a Completed record.
/// </summary>
internal sealed class ProgressView
{
    private readonly Cmdlet _cmdlet;
    private readonly int _activityId;
    private readonly int _parentId;
    private const string WaitingActivity = "Waiting for the server";

    private UploadProgress? _shown;
    private bool _shownWaiting;
    private bool _open;

    public ProgressView(Cmdlet cmdlet, int activityId, int parentId = -1)
    {
        _cmdlet = cmdlet;
        _activityId = activityId;
        _parentId = parentId;
    }

    /// <summary>One file's bar: what is done to the file, and how far.</summary>
    /// <param name="waitingForServer">Whether the call is held (an outage or a server's Retry-After): the bar says so.</param>
    public void Render(UploadProgress? progress, bool waitingForServer = false)
    {
        if (progress is null || (ReferenceEquals(progress, _shown) && waitingForServer == _shownWaiting)) return;
        _shown = progress;
        _shownWaiting = waitingForServer;
        if (progress.Phase == UploadPhase.WaitingForAnotherRun)
        {
            // Nothing is sent yet: no bytes, no rate, no percentage, only how long it has waited.
            Write(Activity(progress), "Another run on this machine is uploading it", -1, null);
            return;
        }
        Write(waitingForServer ? WaitingActivity : Activity(progress), progress.BytesDone, progress.TotalBytes, progress.BytesPerSecond, progress.PercentComplete, progress.Remaining);
    }

    /// <summary>A bar that stands for no one file (a batch's overall bar): <paramref name="activity"/> says what it counts.</summary>
    public void Render(string activity, long bytesDone, long totalBytes, TimeSpan elapsed, bool waitingForServer = false)
    {
        if (waitingForServer) activity = $"{WaitingActivity} ({activity})";
        _shown = null;
        var rate = elapsed.TotalSeconds > 0 ? bytesDone / elapsed.TotalSeconds : 0;
        var percent = totalBytes <= 0 ? 100 : (int)Math.Min(100, bytesDone * 100 / totalBytes);
        TimeSpan? remaining = rate > 0 ? TimeSpan.FromSeconds((totalBytes - bytesDone) / rate) : null;
        Write(activity, bytesDone, totalBytes, rate, percent, remaining);
    }

    private void Write(string activity, long bytesDone, long totalBytes, double bytesPerSecond, int percent, TimeSpan? remaining) =>
        Write(activity, $"{Units.Bytes(bytesDone)} of {Units.Bytes(totalBytes)} at {Units.Bytes((long)bytesPerSecond)}/s", percent, remaining);

    private void Write(string activity, string status, int percent, TimeSpan? remaining)
    {
        var record = new ProgressRecord(_activityId, activity, status)
        {
            ParentActivityId = _parentId,
            PercentComplete = percent,
            SecondsRemaining = remaining is { } r ? (int)Math.Min(int.MaxValue, r.TotalSeconds) : -1,
        };
        _cmdlet.WriteProgress(record);
        _open = true;
    }

    public void Complete()
    {
        if (!_open) return;
        _open = false;
        _shown = null;
        _cmdlet.WriteProgress(new ProgressRecord(_activityId, "Uploading", "Done")
        {
            ParentActivityId = _parentId,
            RecordType = ProgressRecordType.Completed,
        });
    }

    private static string Activity(UploadProgress p) => p.Phase switch
    {
        UploadPhase.Verifying => $"Verifying {System.IO.Path.GetFileName(p.FullName)} (the part the server holds)",
        UploadPhase.Finishing => $"Finishing {System.IO.Path.GetFileName(p.FullName)}",
        UploadPhase.WaitingForAnotherRun => $"Waiting for another upload of {System.IO.Path.GetFileName(p.FullName)} ({p.Elapsed.TotalSeconds:0} s)",
        _ => $"Uploading {System.IO.Path.GetFileName(p.FullName)}",
    };
}
