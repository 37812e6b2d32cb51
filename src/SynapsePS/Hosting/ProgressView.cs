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
    private UploadProgress? _shown;
    private bool _open;

    public ProgressView(Cmdlet cmdlet, int activityId, int parentId = -1)
    {
        _cmdlet = cmdlet;
        _activityId = activityId;
        _parentId = parentId;
    }

    public void Render(UploadProgress? progress)
    {
        if (progress is null || ReferenceEquals(progress, _shown)) return;
        _shown = progress;
        var record = new ProgressRecord(_activityId, Activity(progress), Status(progress))
        {
            ParentActivityId = _parentId,
            PercentComplete = progress.PercentComplete,
            SecondsRemaining = progress.Remaining is { } r ? (int)Math.Min(int.MaxValue, r.TotalSeconds) : -1,
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
        _ => $"Uploading {System.IO.Path.GetFileName(p.FullName)}",
    };

    private static string Status(UploadProgress p) =>
        $"{Units.Bytes(p.BytesDone)} of {Units.Bytes(p.TotalBytes)} at {Units.Bytes((long)p.BytesPerSecond)}/s";
}
