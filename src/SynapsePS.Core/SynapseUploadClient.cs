using System;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Protocol;
using SynapsePS.Resilience;
using SynapsePS.Resume;
using SynapsePS.Connections;
using SynapsePS.Upload;

namespace SynapsePS;

/// <summary>
/// Uploads files to one Synapse backend in resumable, MD5-verified chunks. Thread-safe: one instance may run
/// many uploads at once, and all instances share one connection pool.
/// </summary>
public sealed class SynapseUploadClient
{
    private readonly ChunkedUploadProtocol _protocol;
    private readonly UploadJournal _journal;
    private readonly UploadLedger _ledger;

    public SynapseUploadClient(SynapseConnection connection, UploadOptions? options = null)
    {
        Connection = ConnectionRules.Validate(connection ?? throw new ArgumentNullException(nameof(connection)));
        Options = UploadOptionsRules.Validate(options ?? new UploadOptions());
        _protocol = new ChunkedUploadProtocol(Connection, Options, RetryPolicy.Build(Options));
        _journal = UploadJournal.Open(Options.StateDirectory);
        _ledger = UploadLedger.Open(Options.StateDirectory);
    }

    public SynapseConnection Connection { get; }

    public UploadOptions Options { get; }

    /// <summary>
    /// Uploads one file, resuming an interrupted upload of it when its journal and the server allow.
    /// Throws <see cref="SynapseClientException"/> for every failure, <see cref="OperationCanceledException"/> when cancelled
    /// (the journal then stays, so the next call resumes).
    /// </summary>
    public Task<UploadResult> UploadFileAsync(string path, IProgress<UploadProgress>? progress = null,
        IUploadLog? log = null, CancellationToken cancellationToken = default) =>
        UploadFileAsync(path, progress, log, skipLookedUp: false, cancellationToken);

    /// <summary>
    /// With <see cref="UploadOptions.SkipUploaded"/>: the result of an earlier upload of this file to this server,
    /// when the file is unchanged since (same length and last-write time); otherwise null. Sends no request.
    /// </summary>
    internal UploadResult? TrySkip(string fullName, IUploadLog? log)
    {
        if (!Options.SkipUploaded) return null;
        var info = new System.IO.FileInfo(fullName);
        if (!info.Exists) return null;
        var entry = _ledger.TryGet(Connection.BaseUrl, fullName, log);
        if (entry is null) return null;
        if (!UploadLedger.Matches(entry, info.Length, info.LastWriteTimeUtc))
        {
            log?.Verbose($"'{info.Name}' changed since its upload {entry.UploadId} (length or last-write time); uploading it again.");
            return null;
        }
        log?.Verbose($"'{info.Name}' is unchanged since its upload {entry.UploadId}; skipped.");
        return new UploadResult(entry.UploadId, fullName, entry.Length, entry.Md5,
            Uri.TryCreate(entry.UploadUrl, UriKind.Absolute, out var url) ? url : null, UploadRecord.CompleteName,
            chunkCount: 0, TimeSpan.Zero, bytesSent: 0, retries: 0, resumed: false, resumedFromOffset: 0, serverRecord: null, skipped: true);
    }

    internal async Task<UploadResult> UploadFileAsync(string path, IProgress<UploadProgress>? progress,
        IUploadLog? log, bool skipLookedUp, CancellationToken cancellationToken)
    {
        if (path is null) throw new ArgumentNullException(nameof(path));
        try
        {
            if (!skipLookedUp && TrySkip(System.IO.Path.GetFullPath(path), log) is { } skipped) return skipped;
            using var file = LocalFile.Open(path);
            var run = new FileUploadRun(_protocol, _journal, _ledger, Connection.BaseUrl, Options, file, progress, new UploadStats(log));
            return await run.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SynapseClientException ex)
        {
            throw ex.WithFile(path);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw Failures.Unexpected(ex, path);
        }
    }
}

