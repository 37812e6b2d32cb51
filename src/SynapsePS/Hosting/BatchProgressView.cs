using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using SynapsePS.Batch;

namespace SynapsePS.Hosting;

/// <summary>
/// A batch's progress: one overall bar (files and bytes) and one child bar per lane, drawn on the pipeline thread
/// at most five times a second; a lane's bar closes when the lane goes idle.
/// </summary>
internal sealed class BatchProgressView
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(200);

    private readonly ProgressView _overall;
    private readonly UploadBatch _batch;
    private readonly IReadOnlyList<BatchLane> _lanes;
    private readonly ProgressView[] _laneViews;
    private readonly Stopwatch _clock;
    private long _bytesSettled;
    private TimeSpan _nextRender;

    public BatchProgressView(Cmdlet cmdlet, int overallId, UploadBatch batch, Stopwatch clock)
    {
        _overall = new ProgressView(cmdlet, overallId);
        _batch = batch;
        var lanes = _lanes = batch.Lanes;
        _clock = clock;
        _laneViews = new ProgressView[lanes.Count];
        for (var i = 0; i < lanes.Count; i++) _laneViews[i] = new ProgressView(cmdlet, overallId + 1 + i, overallId);
    }

    /// <summary>A file settled (uploaded, skipped or failed).</summary>
    public void Settled(long length) => _bytesSettled += length;

    public void RenderIfDue(int settledFiles)
    {
        if (_clock.Elapsed >= _nextRender) Render(settledFiles);
    }

    public void Render(int settledFiles)
    {
        _nextRender = _clock.Elapsed + s_interval;
        long inFlight = 0;
        var waiting = _batch.IsWaitingForServer;
        for (var i = 0; i < _lanes.Count; i++)
        {
            var lane = _lanes[i];
            if (lane.File is null)
            {
                _laneViews[i].Complete();
                continue;
            }
            var latest = lane.Progress.Latest;
            _laneViews[i].Render(latest, waiting);
            if (latest is { Phase: UploadPhase.Uploading or UploadPhase.Finishing }) inFlight += latest.BytesDone;
        }
        var elapsed = _clock.Elapsed;
        var done = _bytesSettled + inFlight;
        if (_batch.TotalFiles is { } totalFiles && _batch.TotalBytes is { } totalBytes)
        {
            // A walked folder's total is known once its count ends: the bar then runs to the end of the whole batch.
            var total = Math.Max(1, Math.Max(done, totalBytes));
            _overall.Render($"Uploading {settledFiles} of {Math.Max(settledFiles, totalFiles)} files, {Units.Bytes(done)} of {Units.Bytes(total)}{AtOnce}",
                done, total, elapsed);
            return;
        }
        _overall.Render($"Uploading {settledFiles} of {Math.Max(settledFiles, _batch.FilesStarted)} files{AtOnce}",
            done, Math.Max(1, Math.Max(done, _batch.BytesStarted)), elapsed, waiting);
    }

    /// <summary>", 14 at once" while the batch chooses its count itself; nothing when -ThrottleLimit pinned it.</summary>
    private string AtOnce => _batch.IsPaced ? $", {_batch.Concurrency} at once" : "";

    public void Complete()
    {
        foreach (var view in _laneViews) view.Complete();
        _overall.Complete();
    }
}
