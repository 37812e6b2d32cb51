using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Files;
using SynapsePS.Resilience;
using SynapsePS.Resume;
using SynapsePS.Upload;

namespace SynapsePS.Batch;

/// <summary>
/// Runs up to <c>throttleLimit</c> uploads at once, or as many as the server takes when it is null (see
/// <see cref="ConcurrencyController"/>). Files come in one at a time through <see cref="SubmitAsync"/>
/// (as a pipeline delivers them); the batch owns the lanes. Every file's result is handed to <c>settled</c> as soon
/// as it is known, from whatever thread knows it. Nothing is kept per file once it has settled, so a batch of a
/// million files needs the memory of its lanes only. It is the only way files enter the engine, and every file
/// takes the same admission: skipped when the ledger holds it unchanged, else claimed (<see cref="UploadClaims"/>),
/// looked up again under the claim, checked and opened, held while the server holds the call, then run; its
/// <see cref="FileRecords"/> own its claim, its ledger lookup and its resume point. A file another call on this
/// machine holds is set aside and taken up again, before new input, once that call lets it go (a call of
/// <see cref="OneLane"/> waits for it instead).
/// The batch is the call's one tally and its one end: it counts what settles, ends the call after
/// <see cref="UploadOptions.MaxFailures"/> failed files or a failure that dooms every file, and keeps to the call's
/// time budget (<see cref="UploadOptions.MaxDuration"/>). The end reaches the caller one way: the awaited
/// <see cref="SubmitAsync(string)"/> or <see cref="WhenIdleAsync"/> faults with it; no result carries it.
/// </summary>
public sealed partial class UploadBatch
{
    private readonly SynapseUploadClient _client;
    private readonly BatchLane[] _lanes;
    private readonly LaneLimiter _free;
    private readonly Action<BatchUploadResult> _settled;
    private readonly IUploadLog? _log;
    private readonly long? _maxBytes;
    private readonly CancellationToken _cancellation;
    private readonly CancellationTokenSource _stop;
    private readonly CancellationTokenSource _uploads;
    private readonly TimeBudget _budget;
    private readonly SetAsideFiles _setAside;
    private readonly IProgress<UploadProgress>? _waiting;
    private readonly object _gate = new();
    private int _running;
    private int _filesStarted;
    private long _bytesStarted;
    private TaskCompletionSource<bool> _idle = NewIdle(completed: true);

    /// <param name="maxBytes">Files larger than this fail the check without a request; null for no limit.</param>
    /// <param name="settled">Called once per file with its result; must be thread-safe and quick.</param>
    /// <param name="throttleLimit">How many files upload at once; null lets the batch find the count itself.</param>
    public UploadBatch(SynapseUploadClient client, int? throttleLimit, long? maxBytes, IUploadLog? log,
        Action<BatchUploadResult> settled, CancellationToken cancellation)
        : this(client, throttleLimit, maxBytes, log, settled, cancellation, waiting: null)
    {
    }

    /// <summary>
    /// A call of one file at a time (Send-SynapseChunkedUpload): one lane, and a file another call on this machine
    /// holds is waited for, its wait reported to <paramref name="progress"/> as
    /// <see cref="UploadPhase.WaitingForAnotherRun"/>, instead of set aside. Each upload's progress goes there too.
    /// </summary>
    public static UploadBatch OneLane(SynapseUploadClient client, IUploadLog? log, Action<BatchUploadResult> settled,
        IProgress<UploadProgress>? progress, CancellationToken cancellation) =>
        new(client, 1, maxBytes: null, log, settled, cancellation, progress ?? new LatestProgress());

    /// <param name="waiting">Non-null for a call that waits for a held claim (reporting there) instead of setting the file aside.</param>
    private UploadBatch(SynapseUploadClient client, int? throttleLimit, long? maxBytes, IUploadLog? log,
        Action<BatchUploadResult> settled, CancellationToken cancellation, IProgress<UploadProgress>? waiting)
    {
        _waiting = waiting;
        // The call's clock comes from its client, which the engine's composition root made.
        _time = client?.Time ?? throw new ArgumentNullException(nameof(client));
        _rate = new Reporting.TransferRate(RateWindow, _time);
        if (throttleLimit is < 1 or > UploadOptions.MaxConcurrentUploads)
            throw new ArgumentOutOfRangeException(nameof(throttleLimit));
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _settled = settled ?? throw new ArgumentNullException(nameof(settled));
        _log = log;
        _maxBytes = maxBytes;
        // The batch stops itself when the call ends; the uploads also stop when the time budget cuts them.
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        _cancellation = _stop.Token;
        _budget = client.Budget;
        _uploads = CancellationTokenSource.CreateLinkedTokenSource(_cancellation, _budget.Cut);
        // Lanes are small (a name and the latest progress): a paced batch has one for each count up to the ceiling.
        var lanes = throttleLimit ?? UploadOptions.MaxConcurrentUploads;
        _lanes = new BatchLane[lanes];
        for (var i = 0; i < lanes; i++) _lanes[i] = new BatchLane(i);
        _pace = throttleLimit is null ? new ConcurrencyController(lanes, _time) : null;
        _free = new LaneLimiter(_pace?.Limit ?? lanes);
        if (_pace is not null) _client.Requests.AttemptEnded += OnAttemptEnded;
        _setAside = new SetAsideFiles(TryClaim, records => TakeAsync(records, found: null), log, _cancellation,
            _time, giveUp: () => _budget.IsSpent);
    }

    /// <summary>The concurrent upload lanes, for progress: what each is uploading and how far it is.</summary>
    public IReadOnlyList<BatchLane> Lanes => _lanes;

    /// <summary>How many files have started uploading on a lane so far.</summary>
    public int FilesStarted => Volatile.Read(ref _filesStarted);

    /// <summary>The length of those files together.</summary>
    public long BytesStarted => Interlocked.Read(ref _bytesStarted);

    /// <summary>How many files are set aside because another call on this machine is uploading them.</summary>
    public int FilesWaitingForAnotherRun => _setAside.Count;

    /// <summary>
    /// Takes the next file. One that needs no upload (skipped as already uploaded, or failing the file check) is
    /// settled at once and never waits for a lane; any other waits for a free lane and starts uploading there.
    /// Completes when the file is settled, started or set aside, so a caller that awaits each submission holds its
    /// input back while every lane is busy. Files set aside earlier that are free now go first.
    /// Once the time budget has passed, the file is only counted as not started. Faults with the call's end
    /// (<see cref="SynapseClientException"/>) once the call has ended; throws <see cref="OperationCanceledException"/>
    /// when the caller cancels.
    /// </summary>
    public Task SubmitAsync(string fullName) =>
        EndingAsync(SubmitAsync(fullName ?? throw new ArgumentNullException(nameof(fullName)), found: null));

    /// <summary>
    /// A file the caller could not hand over (a path that does not resolve): settled as failed and counted like any
    /// failed file, toward <see cref="UploadOptions.MaxFailures"/> too.
    /// </summary>
    public void Fail(string target, SynapseClientException error) =>
        Settle(new BatchUploadResult(target, null, null, error ?? throw new ArgumentNullException(nameof(error))));

    /// <param name="found">The file's figures from a folder walk, so that the skip check needs no second stat.</param>
    private async Task SubmitAsync(string fullName, FoundFile? found)
    {
        ThrowIfEnded();
        if (!_budget.TryAdmit()) return;
        await _setAside.TakeUpFreeAsync().ConfigureAwait(false);
        // A file the ledger holds unchanged needs no claim (whoever else holds it, skipping it is right), so a
        // rerun goes at the ledger's speed; any other file is claimed and looked up again under the claim.
        var records = _client.Records.For(fullName, _log);
        if (records.TrySkip(found) is { } skipped)
        {
            Settle(new BatchUploadResult(fullName, skipped.Length, skipped, null));
            return;
        }
        if (records.TryClaim()) await TakeAsync(records, found).ConfigureAwait(false);
        else if (_waiting is null) _setAside.Add(records);
        else await WaitForClaimAsync(records, found).ConfigureAwait(false);
    }

    private FileRecords? TryClaim(string fullName)
    {
        var records = _client.Records.For(fullName, _log);
        return records.TryClaim() ? records : null;
    }

    /// <summary>A one-lane call waits for another run's claim; the time budget's cut ends the wait, the file not started.</summary>
    private async Task WaitForClaimAsync(FileRecords records, FoundFile? found)
    {
        try
        {
            await records.ClaimAsync(_waiting, _uploads.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_client.CutByBudget(_cancellation))
        {
            _budget.NotStartedAlso(1);
            return;
        }
        // The budget passed while the claim was awaited.
        if (!_budget.TryAdmit())
        {
            records.Dispose();
            return;
        }
        await TakeAsync(records, found).ConfigureAwait(false);
    }

    /// <summary>
    /// Completes when every submitted file has settled: the files set aside are taken up as their claims come free,
    /// then every started upload settles. Then faults with the call's end, if it ended: a failure that dooms every
    /// file, TooManyFailures, or TimeBudgetReached when the budget left files unstarted or cut.
    /// </summary>
    public async Task WhenIdleAsync()
    {
        await EndingAsync(IdleAsync()).ConfigureAwait(false);
        ThrowIfEnded();
        if (_budget.Reached() is { } reached) throw reached;
    }

    private async Task IdleAsync()
    {
        await _setAside.TakeUpAllAsync().ConfigureAwait(false);
        // Files another run still holds when the budget passed are left for the next run.
        if (_budget.IsSpent) _budget.NotStartedAlso(_setAside.Clear());
        Task idle;
        lock (_gate) idle = _idle.Task;
        await idle.ConfigureAwait(false);
    }

    /// <summary>A file this call has claimed: checked under the claim, then settled or started; the claim goes with it.</summary>
    private async Task TakeAsync(FileRecords records, FoundFile? found)
    {
        var started = false;
        try
        {
            started = await SettleOrStartAsync(records, found).ConfigureAwait(false);
        }
        finally
        {
            if (!started) records.Dispose();
        }
    }

    /// <summary>True when the file started on a lane, which then owns the claim; false when it settled at once.</summary>
    private async Task<bool> SettleOrStartAsync(FileRecords records, FoundFile? found)
    {
        var fullName = records.FullName;
        if (records.TrySkip(found) is { } skipped)
        {
            Settle(new BatchUploadResult(fullName, skipped.Length, skipped, null));
            return false;
        }

        // The check opens the file; when it passes, that handle is the one the upload reads.
        var file = LocalFile.TryOpen(fullName, _maxBytes, out var check);
        if (file is null)
        {
            Settle(new BatchUploadResult(fullName, check.Length, null, FileRules.Refusal(check)));
            return false;
        }

        try
        {
            await _free.WaitAsync(_cancellation).ConfigureAwait(false);
        }
        catch
        {
            file.Dispose();
            throw;
        }
        try
        {
            await WaitForServerAsync(file).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_client.CutByBudget(_cancellation))
        {
            _budget.NotStartedAlso(1);   // held by an outage until the budget's cut: never started
            return false;
        }
        if (_cancellation.IsCancellationRequested || !_budget.TryAdmit())
        {
            // The call ended, or the budget passed, while the file waited for a lane or for the server.
            _free.Release();
            file.Dispose();
            _cancellation.ThrowIfCancellationRequested();
            return false;
        }
        Start(file, records);
        return true;
    }

    /// <summary>Starts a file on a free lane; the caller holds one lane of <see cref="_free"/> for it.</summary>
    private void Start(LocalFile file, FileRecords records)
    {
        var lane = TakeIdleLane();
        lock (_gate)
        {
            if (_running++ == 0) _idle = NewIdle(completed: false);
            if (++_onLanes > _mostRunning) _mostRunning = _onLanes;
        }
        _pace?.FileStarted();
        lane.Begin(file.FullName, file.Length);
        Interlocked.Increment(ref _filesStarted);
        Interlocked.Add(ref _bytesStarted, file.Length);
        _ = Task.Run(() => RunAsync(lane, file, records));
    }

    private async Task RunAsync(BatchLane lane, LocalFile file, FileRecords records)
    {
        var (fullName, length) = (file.FullName, file.Length);
        var onLane = _time.GetTimestamp();
        BatchUploadResult? result = null;
        SynapseClientException? end = null;
        try
        {
            var progress = _waiting is null ? (IProgress<UploadProgress>)lane.Progress : new BothProgress(lane.Progress, _waiting);
            var upload = await UploadAsync(file, records, progress, _uploads.Token).ConfigureAwait(false);
            result = new BatchUploadResult(fullName, length, upload, null);
        }
        catch (OperationCanceledException) when (_uploads.IsCancellationRequested)
        {
            // Stopped, or cut by the time budget: the journal stays, so a rerun resumes; no result for this file.
            if (_client.CutByBudget(_cancellation)) _budget.CountInterrupted();
        }
        catch (SynapseClientException ex) when (FailureClassifier.EndsTheCall(ex))
        {
            end = ex;   // no file of the call can succeed: the call's end, not this file's failure
        }
        catch (SynapseClientException ex)
        {
            result = new BatchUploadResult(fullName, length, null, ex);
        }
        catch (Exception ex)
        {
            // UploadAsync turns every other failure into a SynapseClientException; this is the last guard of a worker thread.
            result = new BatchUploadResult(fullName, length, null, Failures.Unexpected(ex, fullName));
        }

        records.Dispose();   // after the ledger entry and the journal are written: the next claimant reads them
        // The call's end, and a failure over -MaxFailures, are known before the lane is free: no new file takes it.
        if (end is not null) EndCall(end);
        lane.End();
        if (_pace is not null) Paced(_pace.FileEnded(result?.Error is null ? length : 0, _time.GetElapsedTime(onLane)));
        lock (_gate) _onLanes--;
        try
        {
            if (result is not null) Settle(result);
        }
        finally
        {
            _free.Release();
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
        throw new InvalidOperationException("No idle lane although the lane count was taken: the lanes and their count disagree.");
    }

    private static TaskCompletionSource<bool> NewIdle(bool completed)
    {
        var tcs = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed) tcs.SetResult(true);
        return tcs;
    }
}
