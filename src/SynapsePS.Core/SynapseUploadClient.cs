using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Http;
using SynapsePS.Protocol;
using SynapsePS.Resilience;
using SynapsePS.Resume;
using SynapsePS.Connections;
using SynapsePS.Upload;
using SynapsePS.Files;
using SynapsePS.Batch;

namespace SynapsePS;

/// <summary>
/// Uploads files to one Synapse backend in resumable, MD5-verified chunks. Thread-safe: one instance may run
/// many uploads at once (sharing
/// <see cref="UploadOptions.MaxBytesPerSecond"/>), and all instances with the same network settings share one connection pool.
/// One client is one call: its uploads share one <see cref="ServerGate"/>, so an outage or a Retry-After of the server
/// pauses all of them, and a failure that dooms every file stops all of them. Dispose it when the call ends.
/// </summary>
public sealed class SynapseUploadClient : IDisposable
{
    private readonly ChunkedUploadProtocol _protocol;
    private readonly ServerGate _gate;
    private readonly UploadJournal _journal;
    private readonly UploadLedger _ledger;
    private readonly UploadClaims _claims;

    public SynapseUploadClient(SynapseConnection connection, UploadOptions? options = null)
        : this(connection, options, TimeProvider.System)
    {
    }

    /// <summary>
    /// The engine's composition root: the call's one clock goes from here to every wait, poll, timer and rate of the
    /// call (the gate and its probes, the retry pipeline, Retry-After dates, claim and set-aside polling, the
    /// bandwidth cap, the status line). Not public: the module's cmdlets must not name a type that loads from its
    /// private dependencies; tests pass a FakeTimeProvider.
    /// </summary>
    internal SynapseUploadClient(SynapseConnection connection, UploadOptions? options, TimeProvider time)
    {
        Connection = ConnectionRules.Validate(connection ?? throw new ArgumentNullException(nameof(connection)));
        Options = UploadOptionsRules.Validate(options ?? new UploadOptions());
        Time = time ?? throw new ArgumentNullException(nameof(time));
        // One limiter per client: every upload it runs at once shares the cap.
        var limiter = Options.MaxBytesPerSecond is { } cap ? new BandwidthLimiter(cap, time) : null;
        ChunkedUploadProtocol? protocol = null;
        _gate = new ServerGate(Connection.BaseUrl.AbsoluteUri, Options.OutageTimeout, ct => protocol!.ProbeAsync(ct), time);
        _protocol = protocol = new ChunkedUploadProtocol(Connection, Options, RetryPolicy.Build(Options, _gate, time), limiter, time, Requests);
        _gate.OutageBegan += (_, e) => OutageBegan?.Invoke(this, OutageMessages.Began(e));
        _gate.OutageEnded += (_, e) => OutageEnded?.Invoke(this, OutageMessages.Ended(e));
        _journal = UploadJournal.Open(Options.StateDirectory);
        _ledger = UploadLedger.Open(Options.StateDirectory);
        _claims = UploadClaims.Open(Options.StateDirectory);
        Budget = new TimeBudget(Options.MaxDuration, time);
    }

    public SynapseConnection Connection { get; }

    public UploadOptions Options { get; }

    /// <summary>The call's clock.</summary>
    internal TimeProvider Time { get; }

    /// <summary>Every request attempt of the call as it ends (duration, outcome): what a batch paces itself by.</summary>
    internal RequestMeter Requests { get; } = new();

    /// <summary>The server stopped answering and every upload of the call is paused; the argument is the line to log.</summary>
    public event EventHandler<string>? OutageBegan;

    /// <summary>The server is back and the paused uploads go on (or it refuses the call and they fail); the argument is the line to log.</summary>
    public event EventHandler<string>? OutageEnded;

    /// <summary>Whether the call is held: the server is away, or asked every request to wait (Retry-After).</summary>
    public bool IsWaitingForServer => _gate.Snapshot().IsHeld;

    /// <summary>While the server is away: when it last answered; otherwise null.</summary>
    internal DateTimeOffset? WaitingForServerSince =>
        _gate.Snapshot() is { State: ServerGateState.WaitingForServer } held ? held.LastAnswer : null;

    /// <summary>Completes when a new upload may start: at once unless the call is held; throws once the call has ended.</summary>
    internal Task WaitForServerAsync(CancellationToken cancellationToken) => _gate.WaitUntilOpenAsync(cancellationToken);

    /// <summary>The call's time budget (<see cref="UploadOptions.MaxDuration"/>), counted from the client's creation.</summary>
    internal TimeBudget Budget { get; }

    /// <summary>
    /// Once the call is over: its end by the time budget (TimeBudgetReached, saying how many files were not
    /// started and how many uploads were cut), or null when the budget left nothing undone.
    /// </summary>
    public SynapseClientException? TimeBudgetReached() => Budget.Reached();

    /// <summary>Ends the call's wait for the server: a held request fails, and no probe is sent any more.</summary>
    public void Dispose()
    {
        _gate.Dispose();
        Budget.Dispose();
    }

    /// <summary>
    /// Uploads one file, resuming an interrupted upload of it when its journal and the server allow. While another
    /// call on this machine holds the file's claim this waits for it, reporting <see cref="UploadPhase.WaitingForAnotherRun"/>;
    /// the ledger and the journal are read only once the claim is this call's.
    /// Throws <see cref="SynapseClientException"/> for every failure, <see cref="OperationCanceledException"/> when cancelled
    /// (the journal then stays, so the next call resumes). When the call's time budget kept the file from starting
    /// or cut its upload (journal kept), TimeBudgetReached about this file; <see cref="TimeBudgetReached"/> tells
    /// of the whole call once it is over.
    /// </summary>
    public async Task<UploadResult> UploadFileAsync(string path, IProgress<UploadProgress>? progress = null,
        IUploadLog? log = null, CancellationToken cancellationToken = default)
    {
        if (path is null) throw new ArgumentNullException(nameof(path));
        string fullName;
        try
        {
            fullName = LocalFile.FullPath(path);
        }
        catch (SynapseClientException ex)
        {
            throw ex.WithFile(path);
        }
        catch (Exception ex)
        {
            throw Failures.Unexpected(ex, path);
        }

        if (!Budget.TryAdmit()) throw TimeBudget.Stopped(path, started: false);
        // The budget's cut stops a wait for another run's claim as it stops an upload.
        using var budgeted = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Budget.Cut);
        UploadClaim claim;
        try
        {
            claim = await ClaimAsync(fullName, progress, log, budgeted.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (CutByBudget(cancellationToken))
        {
            Budget.NotStartedAlso(1);
            throw TimeBudget.Stopped(path, started: false);
        }
        using (claim)
        {
            LocalFile file;
            try
            {
                if (TrySkip(fullName, log) is { } skipped) return skipped;
                // The budget passed while the claim was awaited.
                if (!Budget.TryAdmit()) throw TimeBudget.Stopped(path, started: false);
                file = LocalFile.Open(fullName);
            }
            catch (SynapseClientException ex)
            {
                throw ex.WithFile(path);
            }
            catch (Exception ex)
            {
                throw Failures.Unexpected(ex, path);
            }
            try
            {
                return await UploadAsync(file, progress, log, budgeted.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (CutByBudget(cancellationToken))
            {
                Budget.CountInterrupted();   // the journal stays: the next run resumes from the server's offset
                throw TimeBudget.Stopped(path, started: true);
            }
        }
    }

    /// <summary>Whether a cancellation came from the time budget's cut rather than from the caller.</summary>
    internal bool CutByBudget(CancellationToken callerToken) =>
        Budget.Cut.IsCancellationRequested && !callerToken.IsCancellationRequested;

    /// <summary>
    /// Claims the file for this call without waiting (see <see cref="UploadClaims"/>): null while another call on this
    /// machine holds it. A claims' folder that cannot be used at all costs the guard, not the upload: a warning,
    /// and a claim that holds nothing.
    /// </summary>
    internal UploadClaim? TryClaim(string fullName, IUploadLog? log)
    {
        try
        {
            return _claims.TryClaim(Connection.BaseUrl, fullName);
        }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException)
        {
            return Unguarded(fullName, ex, log);
        }
    }

    /// <summary>Waits until the file can be claimed, reporting the wait as progress; says in Verbose that it waited.</summary>
    private async Task<UploadClaim> ClaimAsync(string fullName, IProgress<UploadProgress>? progress, IUploadLog? log, CancellationToken ct)
    {
        var refused = false;
        var started = Time.GetTimestamp();
        var waiting = new WaitingReport(fullName, progress, () => refused = true);
        UploadClaim claim;
        try
        {
            claim = await _claims.ClaimAsync(Connection.BaseUrl, fullName, waiting, ct, time: Time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.IO.IOException or UnauthorizedAccessException)
        {
            return Unguarded(fullName, ex, log);
        }
        if (refused)
            log?.Verbose($"'{System.IO.Path.GetFileName(fullName)}' waited {Time.GetElapsedTime(started).TotalSeconds:0.0} s for another run on this machine to finish with it.");
        return claim;
    }

    private UploadClaim Unguarded(string fullName, Exception ex, IUploadLog? log)
    {
        log?.Warning($"Could not claim '{fullName}' in '{_claims.Directory}' ({ex.Message}); uploading it without the guard against another run on this machine.");
        return UploadClaim.Unguarded(Connection.BaseUrl, fullName);
    }

    /// <summary>Turns the time a claim has waited into a progress report of the file.</summary>
    private sealed class WaitingReport(string fullName, IProgress<UploadProgress>? progress, Action refused) : IProgress<TimeSpan>
    {
        public void Report(TimeSpan waited)
        {
            refused();
            progress?.Report(new UploadProgress(fullName, UploadPhase.WaitingForAnotherRun, 0, 0, waited, 0));
        }
    }

    /// <summary>
    /// With <see cref="UploadOptions.SkipUploaded"/>: the result of an earlier upload of this file to this server,
    /// when the file is unchanged since (same length and last-write time, the target's for a link); otherwise null.
    /// Sends no request.
    /// </summary>
    internal UploadResult? TrySkip(string fullName, IUploadLog? log)
    {
        if (!Options.SkipUploaded) return null;
        var file = LinkedFileStat.Read(fullName);
        return file is null ? null : TrySkip(file, log);
    }

    /// <summary>As <see cref="TrySkip(string, IUploadLog)"/> for a file whose figures a folder walk already read: no second stat.</summary>
    internal UploadResult? TrySkip(FoundFile file, IUploadLog? log)
    {
        if (!Options.SkipUploaded) return null;
        var entry = _ledger.TryGet(Connection.BaseUrl, file.FullName, log);
        if (entry is null) return null;
        if (!UploadLedger.Matches(entry, file.Length, file.LastWriteTimeUtc))
        {
            log?.Verbose($"'{file.FullName}' changed since its upload {entry.UploadId} (length or last-write time); uploading it again.");
            return null;
        }
        log?.Verbose($"'{file.FullName}' is unchanged since its upload {entry.UploadId}; skipped.");
        return new UploadResult(entry.UploadId, file.FullName, entry.Length, entry.Md5,
            Uri.TryCreate(entry.UploadUrl, UriKind.Absolute, out var url) ? url : null, UploadRecord.CompleteName,
            chunkCount: 0, TimeSpan.Zero, bytesSent: 0, retries: 0, resumed: false, resumedFromOffset: 0, serverRecord: null, skipped: true);
    }

    /// <summary>Uploads a file that passed the checks and is open (<see cref="LocalFile.TryOpen"/>); closes it when done.</summary>
    internal async Task<UploadResult> UploadAsync(LocalFile file, IProgress<UploadProgress>? progress, IUploadLog? log,
        CancellationToken cancellationToken)
    {
        using (file)
        {
            try
            {
                ConnectionRules.WarnOnFirstUse(Connection, log);
                using var paused = _gate.Uploads.Track();
                var resume = new ResumePoint(_journal, _ledger, Connection.BaseUrl, file, log);
                var run = new FileUploadRun(_protocol, resume, Connection.BaseUrl, Options, file, progress, new OperationStats(log));
                return await run.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SynapseClientException ex)
            {
                throw ex.WithFile(file.FullName);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                throw Failures.Unexpected(ex, file.FullName);
            }
        }
    }

    /// <summary>The server's record of the upload with this id (GET chunked_upload/{id}/); a missing one is UploadNotFound.</summary>
    public Task<ChunkedUploadRecord> GetRecordAsync(string id, IUploadLog? log = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(id)) throw new ArgumentException("An upload id is required.", nameof(id));
        var url = UploadOrigin.ProtocolUrl(Connection.BaseUrl, id);
        return ReadAsync($"upload {id}", () => ReadRecordAsync(url, log, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// The server's record at an upload's url (GET {url}); a relative url is taken against the base URL. A url that
    /// is not under the base URL fails with UrlNotUnderBaseUrl before any request, so the tokens never go elsewhere.
    /// </summary>
    public Task<ChunkedUploadRecord> GetRecordAsync(Uri url, IUploadLog? log = null, CancellationToken cancellationToken = default)
    {
        if (url is null) throw new ArgumentNullException(nameof(url));
        return ReadAsync($"the upload at {url}", () =>
        {
            var absolute = ConnectionRules.RequireUnderBaseUrl(Connection, url.IsAbsoluteUri ? url : new Uri(Connection.BaseUrl, url));
            return ReadRecordAsync(absolute, log, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>
    /// Every upload the server holds for this connection's token (GET chunked_upload/), handed to
    /// <paramref name="onRecord"/> page by page as they arrive. A paginated listing's 'next' is followed only
    /// while it stays under the base URL (UrlNotUnderBaseUrl otherwise, after the records read so far).
    /// </summary>
    public Task ListRecordsAsync(Action<ChunkedUploadRecord> onRecord, IUploadLog? log = null, CancellationToken cancellationToken = default)
    {
        if (onRecord is null) throw new ArgumentNullException(nameof(onRecord));
        return ReadAsync("the upload records", async () =>
        {
            var stats = new OperationStats(log);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (Uri? page = UploadOrigin.CollectionUrl(Connection.BaseUrl); page is not null;)
            {
                if (!seen.Add(page.AbsoluteUri))
                    throw new SynapseClientException(SynapseErrorKind.UnexpectedResponse, $"The listing's pages loop back to {page.AbsolutePath}{page.Query}.");
                var (records, next) = await _protocol.ListRecordsAsync(page, stats, cancellationToken).ConfigureAwait(false);
                foreach (var record in records) onRecord(record.ToChunkedUploadRecord());
                page = next is null ? null : ConnectionRules.RequireUnderBaseUrl(Connection, next, "The listing's next page");
            }
            return true;
        }, cancellationToken);
    }

    private async Task<ChunkedUploadRecord> ReadRecordAsync(Uri url, IUploadLog? log, CancellationToken ct) =>
        (await _protocol.GetRecordAsync(url, new OperationStats(log), ct).ConfigureAwait(false)).ToChunkedUploadRecord();

    /// <summary>Runs a read with the engine's one policy for failures: SynapseClientException or cancellation, nothing else.</summary>
    private static async Task<T> ReadAsync<T>(string what, Func<Task<T>> read, CancellationToken ct)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (SynapseClientException)
        {
            throw;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw Failures.UnexpectedReading(ex, what);
        }
    }
}
