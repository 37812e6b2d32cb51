using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading.Tasks;
using SynapsePS.Batch;
using SynapsePS.Files;
using SynapsePS.Hosting;
using SynapsePS.Resilience;

namespace SynapsePS.Commands;

/// <summary>
/// Uploads many files with -ThrottleLimit uploads at once, or as many as the server takes without it. The engine's <see cref="UploadBatch"/> checks,
/// skips and schedules; this cmdlet binds, submits each file (awaiting the submission, which holds the pipeline
/// back while every lane is busy), writes each result as it settles (on the pipeline thread, through the pump),
/// and draws one overall progress bar plus one per lane. It keeps nothing per file once written: the
/// summary holds counts and the failed files only. With -Recurse it gathers the paths and hands them to the engine
/// as one <see cref="FileTree"/> when the input ends: the engine walks, counts and submits.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "SynapseBatchUpload", DefaultParameterSetName = PathSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(BatchUploadResult), typeof(BatchUploadSummary))]
public sealed class InvokeSynapseBatchUploadCommand : UploadCommandBase
{
    private const int OverallProgressId = 1;

    private readonly List<BatchUploadResult> _failed = new();
    private readonly List<string> _roots = new();
    private readonly Stopwatch _clock = new();
    private PipelinePump _pump = null!;
    private UploadBatch? _batch;
    private BatchProgressView? _progress;
    private StatusReport? _status;
    private int _succeeded;
    private int _skipped;
    private int _failures;
    private long _bytesUploaded;

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

    /// <summary>
    /// End the batch with TooManyFailures once this many files have failed for their own reasons (unreadable, too
    /// large, refused by the server); unset for no limit. An outage fails no file, so it never counts here.
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxFailures { get; set; }

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

    protected override void BeginProcessing()
    {
        _pump = new PipelinePump();
        _clock.Start();
    }

    protected override void ProcessRecord()
    {
        foreach (var (path, error) in FileSystemPaths.Resolve(this, Paths, IsLiteral))
        {
            if (error is not null)
            {
                Settle(new BatchUploadResult(error.TargetObject?.ToString() ?? "", null, null, (SynapseClientException)error.Exception));
                continue;
            }
            if (Recurse)
            {
                // Walked all at once when the input ends, so that paths that overlap upload each file once.
                _roots.Add(path!);
                continue;
            }
            if (!ShouldProcess(path!, $"Upload to {TargetDescription}")) continue;

            Submit((_batch ??= StartBatch()).SubmitAsync(path!));
            _progress?.RenderIfDue(Settled);
        }
    }

    protected override void EndProcessing()
    {
        if (_roots.Count > 0) UploadTree();
        if (_batch is not null) Await(_batch.WhenIdleAsync(), _pump, Render);
        _progress?.Complete();
        _status?.Dispose();
        if (Summary) WriteObject(new BatchUploadSummary(_succeeded, _skipped, _failed, _bytesUploaded, _clock.Elapsed,
            _batch?.HighestConcurrency ?? 0, _batch?.Concurrency ?? 0));
    }

    private void UploadTree()
    {
        var tree = new FileTree(_roots, FileNamePatterns.Filter(Include, Exclude, Force));
        if (AsksPerFile)
        {
            // -WhatIf and -Confirm answer on the pipeline thread for each file: walk here, ask, then submit.
            foreach (var file in tree.Walk(ReportUnreadable))
            {
                if (!ShouldProcess(file.FullName, $"Upload to {TargetDescription}")) continue;
                Submit((_batch ??= StartBatch()).SubmitAsync(file.FullName));
                _progress?.RenderIfDue(Settled);
            }
            return;
        }
        var batch = _batch ??= StartBatch();
        Submit(batch.SubmitTreeAsync(tree, (folder, error) => _pump.Post(() => ReportUnreadable(folder, error))));
    }

    /// <summary>Waits for the engine to take files, on the pipeline thread.</summary>
    private void Submit(Task submission)
    {
        try
        {
            Await(submission, _pump, Render);
        }
        catch (SynapseClientException ex)
        {
            // Only the call's end reaches here (the server stayed away, or a failure that dooms every file).
            ReportFailure(ex, null);
        }
    }

    private void ReportUnreadable(string folder, Exception error) =>
        WriteError(ErrorMap.ToRecord(SynapseErrorKind.FolderUnreadable,
            $"The folder '{folder}' could not be read, so its files were not uploaded: {error.Message}", folder));

    /// <summary>Whether ShouldProcess would say or ask something per file (-WhatIf, -Confirm, or their preferences).</summary>
    private bool AsksPerFile
    {
        get
        {
            var bound = MyInvocation.BoundParameters;
            var whatIf = bound.TryGetValue("WhatIf", out var w) ? ((SwitchParameter)w).IsPresent
                : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));
            var confirm = bound.TryGetValue("Confirm", out var c) ? ((SwitchParameter)c).IsPresent
                : GetVariableValue("ConfirmPreference") is ConfirmImpact asked && asked != ConfirmImpact.None && asked <= ConfirmImpact.Low;
            return whatIf || confirm;
        }
    }

    private UploadBatch StartBatch()
    {
        var maxBytes = MyInvocation.BoundParameters.ContainsKey(nameof(MaxSizeGB))
            ? (long?)Math.Min(long.MaxValue, MaxSizeGB * 1024 * 1024 * 1024) : null;
        int? pinned = MyInvocation.BoundParameters.ContainsKey(nameof(ThrottleLimit)) ? ThrottleLimit : null;
        var batch = new UploadBatch(Client, pinned, maxBytes, new PumpLog(_pump, this),
            result => _pump.Post(() => Settle(result)), Cancellation);
        if (ShowProgress) _progress = new BatchProgressView(this, OverallProgressId, batch, _clock);
        _status = new StatusReport(this, Client, _pump, batch.StatusLine, StatusInterval);
        return batch;
    }

    private int Settled => _succeeded + _skipped + _failures;

    private void Render()
    {
        _progress?.Render(Settled);
        _status?.Tick();
    }

    /// <summary>On the pipeline thread: count a settled file and write it out; only failures are kept (for -Summary).</summary>
    private void Settle(BatchUploadResult result)
    {
        if (result.Error is { } end && FailureClassifier.EndsTheCall(end))
        {
            ReportFailure(end, result.FullName);   // the call's end, not this file's failure
            return;
        }
        if (result.Error is not null)
        {
            _failures++;
            if (Summary) _failed.Add(result);
        }
        else if (result.Skipped) _skipped++;
        else
        {
            _succeeded++;
            _bytesUploaded += result.Length ?? 0;
        }
        _progress?.Settled(result.Length ?? 0);
        if (!Summary) WriteObject(result);
        if (result.Error is not null)
        {
            ReportFailure(result.Error, result.FullName);
            if (MyInvocation.BoundParameters.ContainsKey(nameof(MaxFailures)) && _failures >= MaxFailures) StopAfterFailures();
        }
    }

    private void StopAfterFailures() => ReportFailure(new SynapseClientException(SynapseErrorKind.TooManyFailures,
        $"{_failures} files failed, the -MaxFailures limit of {MaxFailures}, so the batch stopped. Each failure was reported " +
        "with its own error; the uploads in flight keep their journals and resume when the command is run again."), null);
}
