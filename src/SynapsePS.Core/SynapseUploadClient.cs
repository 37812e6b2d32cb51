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
using SynapsePS.Batch;

namespace SynapsePS;

/// <summary>
/// The engine's composition root for one call to one Synapse backend, and its reads of the server's records.
/// Files enter the call only through <see cref="UploadBatch"/> (or <see cref="SingleFileUpload.UploadFileAsync"/>,
/// a call of one lane built on it). Thread-safe: one instance may run many uploads at once (sharing
/// <see cref="UploadOptions.MaxBytesPerSecond"/>), and all instances with the same network settings share one connection pool.
/// One client is one call: its uploads share one <see cref="ServerGate"/>, so an outage or a Retry-After of the server
/// pauses all of them, and a failure that dooms every file stops all of them. Dispose it when the call ends.
/// </summary>
public sealed class SynapseUploadClient : IDisposable
{
    private readonly ChunkedUploadProtocol _protocol;
    private readonly ServerGate _gate;

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
        Records = new UploadRecords(Options.StateDirectory, Connection.BaseUrl, Options.SkipUploaded, time);
        Budget = new TimeBudget(Options.MaxDuration, time);
    }

    public SynapseConnection Connection { get; }

    public UploadOptions Options { get; }

    /// <summary>The call's clock.</summary>
    internal TimeProvider Time { get; }

    /// <summary>What this machine keeps about the call's files (claims, journals, ledger), one owner per file.</summary>
    internal UploadRecords Records { get; }

    /// <summary>The call's requests, on its one resilience pipeline.</summary>
    internal ChunkedUploadProtocol Protocol => _protocol;

    /// <summary>The call's uploads in flight, as its outage lines count them.</summary>
    internal UploadCount UploadsInFlight => _gate.Uploads;

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

    /// <summary>Whether a cancellation came from the time budget's cut rather than from the caller.</summary>
    internal bool CutByBudget(CancellationToken callerToken) =>
        Budget.Cut.IsCancellationRequested && !callerToken.IsCancellationRequested;

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
