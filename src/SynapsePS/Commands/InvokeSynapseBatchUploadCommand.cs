using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using SynapsePS.Commands.Hosting;

namespace SynapsePS.Commands;

/// <summary>
/// Uploads many files with up to -ThrottleLimit uploads at once. Files are checked first (an invalid file fails
/// without a request); each file's result is written as soon as it settles; one overall progress bar plus one
/// per upload slot. All pipeline writes happen here on the pipeline thread; the uploads post to the pump.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "SynapseBatchUpload", DefaultParameterSetName = PathSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BatchUploadResult), typeof(BatchUploadSummary))]
public sealed class InvokeSynapseBatchUploadCommand : UploadCommandBase
{
    private const int OverallProgressId = 1;

    private readonly List<BatchUploadResult> _successful = new();
    private readonly List<BatchUploadResult> _failed = new();
    private readonly Stopwatch _clock = new();
    private PipelinePump _pump = null!;
    private Slot[] _slots = null!;
    private ProgressView? _overall;
    private bool _showProgress;
    private long _bytesQueued;
    private long _bytesSettled;
    private int _filesQueued;
    private DateTime _nextRender;

    /// <summary>How many files upload at once (default 3).</summary>
    [Parameter]
    [ValidateRange(1, UploadOptions.MaxConcurrentUploads)]
    public int ThrottleLimit { get; set; } = 3;

    /// <summary>Return one summary object at the end instead of one result per file.</summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    /// <summary>Files larger than this many GiB fail the check without a request (default: no limit).</summary>
    [Parameter]
    [ValidateRange(0.0, 1048576.0)]
    public double MaxSizeGB { get; set; }

    protected override void BeginProcessing()
    {
        _pump = new PipelinePump();
        _slots = Enumerable.Range(0, ThrottleLimit).Select(i => new Slot(this, OverallProgressId + 1 + i)).ToArray();
        _showProgress = ShowProgress;
        if (_showProgress) _overall = new ProgressView(this, OverallProgressId);
        _clock.Start();
    }

    protected override void ProcessRecord()
    {
        var maxBytes = MyInvocation.BoundParameters.ContainsKey(nameof(MaxSizeGB))
            ? (long?)Math.Min(long.MaxValue, MaxSizeGB * 1024 * 1024 * 1024) : null;

        foreach (var (path, error) in FileSystemPaths.Resolve(this, Paths, IsLiteral))
        {
            if (error is not null)
            {
                Settle(new BatchUploadResult(error.TargetObject?.ToString() ?? "", null, null, (SynapseClientException)error.Exception));
                continue;
            }
            if (!ShouldProcess(path!, $"Upload to {TargetDescription}")) continue;

            var check = UploadFileCheck.Run(path!, maxBytes);
            if (!check.Valid)
            {
                Settle(new BatchUploadResult(path!, check.Length, null, new SynapseClientException(
                    check.Problem ?? SynapseErrorKind.FileUnreadable, $"'{path}' cannot be uploaded: {string.Join(" ", check.Reasons)}", filePath: path)));
                continue;
            }

            var slot = WaitForFreeSlot();
            _filesQueued++;
            _bytesQueued += check.Length ?? 0;
            slot.Start(path!, check.Length ?? 0);
            PumpNow();
        }
    }

    protected override void EndProcessing()
    {
        var running = _slots.Where(s => s.Work is not null).Select(s => s.Work!).ToArray();
        Await(Task.WhenAll(running).ContinueWith(static _ => true, TaskScheduler.Default), _pump, Render);
        _overall?.Complete();
        if (Summary) WriteObject(new BatchUploadSummary(_successful, _failed, _clock.Elapsed));
    }

    private Slot WaitForFreeSlot()
    {
        while (true)
        {
            var free = _slots.FirstOrDefault(s => s.Work is null);
            if (free is not null) return free;
            var busy = _slots.Select(s => s.Work!).ToArray();
            Await(Task.WhenAny(busy).ContinueWith(static _ => true, TaskScheduler.Default), _pump, Render);
        }
    }

    private void PumpNow()
    {
        _pump.Drain();
        if (DateTime.UtcNow >= _nextRender) Render();
    }

    /// <summary>On the pipeline thread: record a settled file and write it out.</summary>
    private void Settle(BatchUploadResult result)
    {
        (result.Succeeded ? _successful : _failed).Add(result);
        if (!Summary) WriteObject(result);
        if (result.Error is not null) ReportFailure(result.Error, result.FullName);
    }

    private void Render()
    {
        _nextRender = DateTime.UtcNow.AddMilliseconds(200);
        if (!_showProgress) return;
        long inFlight = 0;
        foreach (var slot in _slots)
        {
            slot.Render();
            if (slot.Latest is { Phase: UploadPhase.Uploading or UploadPhase.Finishing } p) inFlight += p.BytesDone;
        }
        var settled = _successful.Count + _failed.Count;
        var elapsed = _clock.Elapsed;
        _overall!.Render(new UploadProgress($"{settled} of {_filesQueued} files", UploadPhase.Uploading,
            _bytesSettled + inFlight, Math.Max(1, _bytesQueued), elapsed, _bytesSettled + inFlight));
    }

    /// <summary>One concurrent upload lane with its own child progress bar.</summary>
    private sealed class Slot
    {
        private readonly InvokeSynapseBatchUploadCommand _owner;
        private readonly ProgressView _view;
        private LatestProgress _progress = new();

        public Slot(InvokeSynapseBatchUploadCommand owner, int progressId)
        {
            _owner = owner;
            _view = new ProgressView(owner, progressId, OverallProgressId);
        }

        public Task? Work { get; private set; }

        public UploadProgress? Latest => Work is null ? null : _progress.Latest;

        public void Start(string path, long length)
        {
            var client = _owner.Client;
            var pump = _owner._pump;
            var token = _owner.Cancellation;
            var log = new PumpLog(pump, _owner);
            var progress = _owner._showProgress ? (_progress = new LatestProgress()) : null;
            Work = Task.Run(async () =>
            {
                BatchUploadResult? result;
                try
                {
                    result = new BatchUploadResult(path, length, await client.UploadFileAsync(path, progress, log, token).ConfigureAwait(false), null);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    result = null;   // stopped: the journal stays for the rerun
                }
                catch (SynapseClientException ex)
                {
                    result = new BatchUploadResult(path, length, null, ex);
                }
                catch (Exception ex)
                {
                    // Never let a worker's exception escape its thread; it becomes this file's failure.
                    result = new BatchUploadResult(path, length, null, new SynapseClientException(
                        SynapseErrorKind.UnexpectedResponse, $"Uploading '{path}' failed unexpectedly: {ex.Message}", filePath: path, inner: ex));
                }
                pump.Post(() => Finish(result, length));
            });
        }

        private void Finish(BatchUploadResult? result, long length)
        {
            Work = null;
            _view.Complete();
            if (result is null) return;
            _owner._bytesSettled += length;
            _owner.Settle(result);
        }

        public void Render()
        {
            if (Work is not null) _view.Render(_progress.Latest);
        }
    }
}
