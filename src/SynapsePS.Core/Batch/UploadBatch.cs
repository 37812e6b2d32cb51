using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Upload;
using SynapsePS.Files;

namespace SynapsePS.Batch;

/// <summary>
/// Runs up to <c>throttleLimit</c> uploads at once. Files are submitted one at a time (as a pipeline delivers
/// them); each is checked first (an invalid file fails without a request) and every file's result is handed to
/// <c>settled</c> as soon as it is known, from whatever thread knows it. Nothing is kept per file once it has
/// settled, so a batch of a million files needs the memory of its lanes only.
/// </summary>
public sealed class UploadBatch
{
    private readonly SynapseUploadClient _client;
    private readonly BatchLane[] _lanes;
    private readonly SemaphoreSlim _free;
    private readonly Action<BatchUploadResult> _settled;
    private readonly IUploadLog? _log;
    private readonly long? _maxBytes;
    private readonly CancellationToken _cancellation;
    private readonly object _gate = new();
    private int _running;
    private TaskCompletionSource<bool> _idle = NewIdle(completed: true);

    /// <param name="maxBytes">Files larger than this fail the check without a request; null for no limit.</param>
    /// <param name="settled">Called once per file with its result; must be thread-safe and quick.</param>
    public UploadBatch(SynapseUploadClient client, int throttleLimit, long? maxBytes, IUploadLog? log,
        Action<BatchUploadResult> settled, CancellationToken cancellation)
    {
        if (throttleLimit < 1 || throttleLimit > UploadOptions.MaxConcurrentUploads)
            throw new ArgumentOutOfRangeException(nameof(throttleLimit));
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _settled = settled ?? throw new ArgumentNullException(nameof(settled));
        _log = log;
        _maxBytes = maxBytes;
        _cancellation = cancellation;
        _lanes = new BatchLane[throttleLimit];
        for (var i = 0; i < throttleLimit; i++) _lanes[i] = new BatchLane(i);
        _free = new SemaphoreSlim(throttleLimit, throttleLimit);
    }

    /// <summary>The concurrent upload lanes, for progress: what each is uploading and how far it is.</summary>
    public IReadOnlyList<BatchLane> Lanes => _lanes;

    /// <summary>
    /// Settles a file at once when it needs no upload (skipped as already uploaded, or invalid) and returns null;
    /// otherwise returns the admitted file, to <see cref="Start"/> once <see cref="WaitForFreeLaneAsync"/> has
    /// freed a lane. A skipped or invalid file never waits for a lane.
    /// </summary>
    public AdmittedFile? Admit(string fullName)
    {
        UploadResult? skipped;
        try
        {
            skipped = _client.TrySkip(fullName, _log);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            skipped = null;
            _log?.Warning($"Could not look '{fullName}' up in the ledger of completed uploads: {ex.Message}");
        }
        if (skipped is not null)
        {
            _settled(new BatchUploadResult(fullName, skipped.Length, skipped, null));
            return null;
        }

        var check = FileRules.Check(fullName, _maxBytes);
        if (!check.Valid)
        {
            _settled(new BatchUploadResult(fullName, check.Length, null, new SynapseClientException(
                check.Problem ?? SynapseErrorKind.FileUnreadable, $"'{fullName}' cannot be uploaded: {string.Join(" ", check.Reasons)}", filePath: fullName)));
            return null;
        }
        return new AdmittedFile(fullName, check.Length ?? 0);
    }

    /// <summary>Completes when a lane is free for <see cref="Start"/>.</summary>
    public Task WaitForFreeLaneAsync() => _free.WaitAsync(_cancellation);

    /// <summary>Starts an admitted file on the lane that <see cref="WaitForFreeLaneAsync"/> freed.</summary>
    public BatchLane Start(AdmittedFile file)
    {
        var lane = TakeIdleLane();
        lock (_gate)
        {
            if (_running++ == 0) _idle = NewIdle(completed: false);
        }
        lane.Begin(file.FullName, file.Length);
        _ = Task.Run(() => RunAsync(lane, file.FullName, file.Length));
        return lane;
    }

    /// <summary>Completes when every started upload has settled.</summary>
    public Task WhenIdleAsync()
    {
        lock (_gate) return _idle.Task;
    }

    private async Task RunAsync(BatchLane lane, string fullName, long length)
    {
        BatchUploadResult? result = null;
        try
        {
            var upload = await _client.UploadFileAsync(fullName, lane.Progress, _log, skipLookedUp: true, _cancellation).ConfigureAwait(false);
            result = new BatchUploadResult(fullName, length, upload, null);
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            // Stopped: the journal stays, so a rerun resumes; nothing to report for this file.
        }
        catch (SynapseClientException ex)
        {
            result = new BatchUploadResult(fullName, length, null, ex);
        }
        catch (Exception ex)
        {
            // UploadFileAsync turns every other failure into a SynapseClientException; this is the last guard of a worker thread.
            result = new BatchUploadResult(fullName, length, null, Failures.Unexpected(ex, fullName));
        }

        lane.End();
        _free.Release();
        try
        {
            if (result is not null) _settled(result);
        }
        finally
        {
            TaskCompletionSource<bool>? idle = null;
            lock (_gate)
            {
                if (--_running == 0) idle = _idle;
            }
            idle?.TrySetResult(true);
        }
    }

    private BatchLane TakeIdleLane()
    {
        foreach (var lane in _lanes)
            if (lane.TryClaim()) return lane;
        throw new InvalidOperationException("Start was called without a free lane; await WaitForFreeLaneAsync before Start.");
    }

    private static TaskCompletionSource<bool> NewIdle(bool completed)
    {
        var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed) tcs.SetResult(true);
        return tcs;
    }
}
