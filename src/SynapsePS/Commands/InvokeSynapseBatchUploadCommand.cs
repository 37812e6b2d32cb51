using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading.Tasks;
using SynapsePS.Batch;
using SynapsePS.Files;
using SynapsePS.Hosting;

namespace SynapsePS.Commands;

/// <summary>
/// Uploads many files with -ThrottleLimit uploads at once, or as many as the server takes without it. The engine's
/// <see cref="UploadBatch"/> checks, skips, schedules, paces, counts and ends the call (failures, -MaxFailures, the
/// time budget); this cmdlet binds, submits each file (awaiting the submission, which holds the pipeline back while
/// every lane is busy), writes each result as it settles (on the pipeline thread, through the pump) and draws the
/// progress bars. It keeps nothing per file but the failed files for -Summary. With -Recurse the engine walks the
/// folders (<see cref="FileTree"/>).
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "SynapseBatchUpload", DefaultParameterSetName = PathSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BatchUploadResult), typeof(BatchUploadSummary))]
public sealed class InvokeSynapseBatchUploadCommand : UploadCommandBase
{
    private const int OverallProgressId = 1;

    private readonly List<BatchUploadResult> _failed = new();
    private readonly List<string> _roots = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly PipelinePump _pump = new();
    private UploadBatch? _batch;
    private BatchProgressView? _progress;
    private StatusReport? _status;

    /// <summary>How many files upload at once; unset, the batch finds the count itself (up to 64) and keeps adjusting it.</summary>
    [Parameter]
    [ValidateRange(1, UploadOptions.MaxConcurrentUploads)]
    public int ThrottleLimit { get; set; }

    /// <summary>Return one summary object at the end instead of one result per file.</summary>
    [Parameter]
    public SwitchParameter Summary { get; set; }

    /// <summary>Files larger than this many GiB fail the check without a request (default: no limit).</summary>
    [Parameter]
    [ValidateRange(0.0, 1048576.0)]
    public double MaxSizeGB { get; set; }

    /// <summary>End the batch with TooManyFailures once this many files have failed for their own reasons; an outage
    /// fails no file, so it never counts here. Unset for no limit.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxFailures { get; set; }

    private protected override int? FailureBudget =>
        MyInvocation.BoundParameters.ContainsKey(nameof(MaxFailures)) ? MaxFailures : null;

    /// <summary>A path that names a folder uploads every file below it; the engine walks the folders.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>With -Recurse, only files whose names match one of these wildcards, as Get-ChildItem -Include.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Include { get; set; }

    /// <summary>With -Recurse, leaves out files whose names match one of these wildcards, as Get-ChildItem -Exclude.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Exclude { get; set; }

    /// <summary>With -Recurse, also hidden and system files and folders, as Get-ChildItem -Force.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var (path, error) in FileSystemPaths.Resolve(this, Paths, IsLiteral))
        {
            if (error is not null) (_batch ??= StartBatch()).Fail(error.TargetObject?.ToString() ?? "", (SynapseClientException)error.Exception);
            // -Recurse walks the folders all at once when the input ends, so that paths that overlap upload each file once.
            else if (Recurse) _roots.Add(path!);
            else SubmitFile(path!);
        }
    }

    protected override void EndProcessing()
    {
        if (_roots.Count > 0) UploadTree();
        if (_batch is not null) Submit(_batch.WhenIdleAsync());
        _progress?.Complete();
        _status?.Dispose();
        if (Summary) WriteObject(_batch?.Summarize(_failed, _clock.Elapsed) ?? new BatchUploadSummary(0, 0, _failed, 0, _clock.Elapsed));
    }

    private void UploadTree()
    {
        var tree = new FileTree(_roots, FileNamePatterns.Filter(Include, Exclude, Force));
        if (PerItemQuestions.AreAsked(this))
        {
            // -WhatIf and -Confirm answer on the pipeline thread for each file: walk here, ask, then submit.
            foreach (var file in tree.Walk(ReportUnreadable)) SubmitFile(file.FullName);
            return;
        }
        var batch = _batch ??= StartBatch();
        Submit(batch.SubmitTreeAsync(tree, (folder, error) => _pump.Post(() => ReportUnreadable(folder, error))));
    }

    private void SubmitFile(string path)
    {
        if (!ShouldProcess(path, $"Upload to {TargetDescription}")) return;
        Submit((_batch ??= StartBatch()).SubmitAsync(path));
        _progress?.RenderIfDue(_batch.Settled);
    }

    /// <summary>Waits for the engine on the pipeline thread; the call's end, if it came, is reported here.</summary>
    private void Submit(Task submission)
    {
        try
        {
            Await(submission, _pump, () =>
            {
                _progress?.Render(_batch!.Settled);
                _status?.Tick();
            });
        }
        catch (SynapseClientException ex)
        {
            // Only the call's end reaches here: a failure that dooms every file, -MaxFailures, or the time budget.
            ReportFailure(ex, null);
        }
    }

    private void ReportUnreadable(string folder, Exception error) => WriteError(ErrorMap.FolderUnreadable(folder, error));

    private UploadBatch StartBatch()
    {
        var maxBytes = MyInvocation.BoundParameters.ContainsKey(nameof(MaxSizeGB))
            ? (long?)Math.Min(long.MaxValue, MaxSizeGB * 1024 * 1024 * 1024) : null;
        int? pinned = MyInvocation.BoundParameters.ContainsKey(nameof(ThrottleLimit)) ? ThrottleLimit : null;
        var batch = new UploadBatch(Client, pinned, maxBytes, new PumpLog(_pump, this),
            result => _pump.Post(() => Settle(result)), Cancellation);
        if (ShowProgress) _progress = new BatchProgressView(this, OverallProgressId, batch, _clock);
        _status = NewStatusReport(Client, _pump, batch.StatusLine);
        return batch;
    }

    /// <summary>On the pipeline thread: writes a settled file out; only failures are kept (for -Summary).</summary>
    private void Settle(BatchUploadResult result)
    {
        _progress?.Settled(result.Length ?? 0);
        if (result.Error is not null && Summary) _failed.Add(result);
        if (!Summary) WriteObject(result);
        if (result.Error is not null) ReportFailure(result.Error, result.FullName);
    }
}
