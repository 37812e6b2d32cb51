using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Http;
using SynapsePS.Protocol;
using SynapsePS.Resume;
using SynapsePS.Files;
using SynapsePS.Resilience;

namespace SynapsePS.Upload;

/// <summary>One upload of one file: the state machine of the protocol.</summary>
internal sealed class FileUploadRun
{
    // Answers that move the offset nowhere (resyncs, lost acknowledgements) before we give up on the server.
    private const int MaxStalledRounds = 5;

    private readonly ChunkedUploadProtocol _protocol;
    private readonly ResumePoint _resume;
    private readonly Uri _baseUrl;
    private readonly UploadOptions _options;
    private readonly LocalFile _file;
    private readonly IProgress<UploadProgress>? _progress;
    private readonly OperationStats _stats;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private Uri? _url;
    private string? _id;
    private long _offset;           // the server's acknowledged offset
    private long _reported;         // high-water mark of progress, so bars never go backwards
    private long _phaseStartBytes;
    private Stopwatch _phaseClock = Stopwatch.StartNew();
    private bool _replacedUrlReported;

    public FileUploadRun(ChunkedUploadProtocol protocol, ResumePoint resume, Uri baseUrl, UploadOptions options,
        LocalFile file, IProgress<UploadProgress>? progress, OperationStats stats)
    {
        _protocol = protocol;
        _resume = resume;
        _baseUrl = baseUrl;
        _options = options;
        _file = file;
        _progress = progress;
        _stats = stats;
    }

    public async Task<UploadResult> RunAsync(CancellationToken ct)
    {
        using var digest = new FileDigest(_file.FullName);
        var journal = _resume.TryLoad();
        var journalled = journal is null ? null : await ReadJournalledUploadAsync(journal, ct).ConfigureAwait(false);
        // A journalled upload the server holds complete, with every byte, is this file's finished upload: an
        // earlier run stopped between the server's "complete" and the ledger. Only this machine knew its id.
        if (journalled is { IsComplete: true } && journalled.Offset == _file.Length)
            return await RecoverFinishedAsync(journalled, digest, ct).ConfigureAwait(false);
        var resumed = _options.Resume && journalled is not null && TryResume(journalled);
        if (!_options.Resume) _resume.Forget();
        var resumedFrom = resumed ? _offset : 0;

        var chunks = 0;
        var stalled = 0;
        var restartedAfterExpiry = false;
        StartPhase(UploadPhase.Uploading, _offset);
        while (_offset < _file.Length)
        {
            ct.ThrowIfCancellationRequested();
            _file.EnsureUnchanged();
            if (digest.Length < _offset) await HashUpToAsync(digest, _offset, ct).ConfigureAwait(false);

            var start = _offset;
            var length = (int)Math.Min(_options.ChunkSize, _file.Length - start);
            long sentInChunk = 0;
            UploadRecord record;
            try
            {
                record = await _protocol.PutChunkAsync(_url, _file, digest, start, length, _stats, n =>
                {
                    sentInChunk += n;
                    Report(UploadPhase.Uploading, start + sentInChunk);
                }, ct).ConfigureAwait(false);
            }
            catch (SynapseClientException ex) when (ex.Kind == SynapseErrorKind.OffsetMismatch && _url is not null)
            {
                // The server holds a different amount than we thought (a lost acknowledgement, or it lost data):
                // continue from what it holds. The MD5 stays that of the file, whatever is resent or skipped.
                var serverOffset = ex.ServerOffset ?? (await _protocol.GetRecordAsync(_url, _stats, ct).ConfigureAwait(false)).Offset;
                CheckOffset(serverOffset, ex);
                _stats.Log?.Verbose($"'{_file.Name}': the server holds {serverOffset} bytes, not {start}; continuing from there.");
                if (serverOffset <= start && ++stalled > MaxStalledRounds) throw;
                _offset = serverOffset;
                continue;
            }
            catch (SynapseClientException ex) when (ex.Kind == SynapseErrorKind.UploadExpired && _url is not null && !restartedAfterExpiry)
            {
                restartedAfterExpiry = true;
                _stats.Log?.Warning($"The upload {_id} of '{_file.Name}' expired on the server; starting a new upload.");
                _resume.Forget();
                (_url, _id, _offset, resumed, resumedFrom, _replacedUrlReported) = (null, null, 0, false, 0, false);
                continue;
            }

            CheckOffset(record.Offset, null);
            if (record.Offset <= start)
            {
                if (++stalled > MaxStalledRounds)
                    throw new SynapseClientException(SynapseErrorKind.UnexpectedResponse,
                        $"The server acknowledged chunks without advancing past byte {start}.", filePath: _file.FullName);
            }
            else
            {
                stalled = 0;
            }

            Adopt(record);
            chunks++;
            _resume.Save(_url!, _id!, _offset);
        }

        // Every byte is acknowledged. Only now may the server be asked to finish: a drf-chunked-upload server
        // completes a truncated upload whenever the MD5 matches what it holds.
        if (digest.Length < _file.Length) await HashUpToAsync(digest, _file.Length, ct).ConfigureAwait(false);
        _file.EnsureUnchanged();
        var md5 = digest.Finish();
        Report(UploadPhase.Finishing, _file.Length);
        var final = await FinishAsync(md5, ct).ConfigureAwait(false);
        return Settle(final, md5, chunks, _stats.BytesSent, resumed, resumedFrom);
    }

    /// <summary>
    /// A Synapse finish reply says what the server holds (<c>checksum</c>, <c>size</c>). When that is not the file,
    /// the server called complete an upload that is not this file: no result, no ledger entry, and no journal,
    /// since a completed upload can never be finished again.
    /// </summary>
    private void CheckServerCopy(UploadRecord final, string md5)
    {
        var differences = new System.Collections.Generic.List<string>();
        if (final.Checksum is not null && !string.Equals(final.Checksum, md5, StringComparison.OrdinalIgnoreCase))
            differences.Add($"its checksum is {final.Checksum} where the file's MD5 is {md5}");
        if (final.Size is not null && final.Size != _file.Length)
            differences.Add($"its size is {final.Size} bytes where the file has {_file.Length}");
        if (differences.Count == 0) return;

        _resume.Forget();
        throw new SynapseClientException(SynapseErrorKind.ChecksumMismatch,
            $"The server reports upload {final.Id} of '{_file.Name}' complete, but holds something else: {string.Join(" and ", differences)}. "
            + "That upload can never be finished again; upload the file anew.",
            filePath: _file.FullName);
    }

    /// <summary>Takes the server's record as the upload's state.</summary>
    private void Adopt(UploadRecord record)
    {
        NoteReplacedUrl(record);
        (_url, _id, _offset) = (record.Url, record.Id, record.Offset);
    }

    private void NoteReplacedUrl(UploadRecord record)
    {
        if (!record.ServerUrlReplaced || _replacedUrlReported) return;
        _replacedUrlReported = true;
        _stats.Log?.Verbose($"The server names upload {record.Id} at {record.ServerUrl}, outside {_baseUrl}; its requests go to {record.Url} instead, and nothing is sent to the other address.");
    }

    /// <summary>
    /// Settles an upload that the server completed while no ledger entry was written: records it and returns it as
    /// this file's result. Its MD5 is the file's (the server only completes an upload whose MD5 matched), taken again.
    /// </summary>
    private async Task<UploadResult> RecoverFinishedAsync(UploadRecord record, FileDigest digest, CancellationToken ct)
    {
        _stats.Log?.Verbose($"The upload {record.Id} of '{_file.Name}' was completed by an earlier run that stopped before recording it; recording it now.");
        await HashUpToAsync(digest, _file.Length, ct).ConfigureAwait(false);
        _file.EnsureUnchanged();
        var md5 = digest.Finish();
        return Settle(record, md5, chunks: 0, bytesSent: 0, resumed: true, resumedFrom: _file.Length);
    }

    /// <summary>
    /// The end of every upload the server holds complete: check what it holds, record it in the ledger, then drop
    /// the journal (a stop between the two leaves the journal, which the rerun recovers), and make the result.
    /// </summary>
    private UploadResult Settle(UploadRecord final, string md5, int chunks, long bytesSent, bool resumed, long resumedFrom)
    {
        NoteReplacedUrl(final);
        CheckServerCopy(final, md5);
        _resume.Complete(final.Id, final.Url, md5);
        Report(UploadPhase.Completed, _file.Length);
        return new UploadResult(final.Id, _file.FullName, _file.Length, md5, final.Url, final.StatusName ?? UploadRecord.CompleteName,
            chunks, _clock.Elapsed, bytesSent, _stats.Retries, resumed, resumedFrom, final.Fields,
            serverChecksum: final.Checksum, serverSize: final.Size);
    }

    private async Task<UploadRecord> FinishAsync(string md5, CancellationToken ct)
    {
        try
        {
            return await _protocol.CompleteAsync(_url!, md5, _stats, ct).ConfigureAwait(false);
        }
        catch (SynapseClientException ex) when (ex.StatusCode == 400 && ex.Kind != SynapseErrorKind.ChecksumMismatch)
        {
            // A finish whose reply was lost and then retried is refused as "already complete"; only our own
            // POST with this MD5 can have completed it, so the record settles it.
            var record = await _protocol.GetRecordAsync(_url!, _stats, ct).ConfigureAwait(false);
            if (record.IsComplete && record.Offset == _file.Length) return record;
            throw;
        }
        catch (SynapseClientException ex) when (ex.Kind == SynapseErrorKind.ChecksumMismatch)
        {
            // The server's bytes are not the file's; resuming that upload could never succeed.
            _resume.Forget();
            throw new SynapseClientException(SynapseErrorKind.ChecksumMismatch,
                $"The server's copy of '{_file.Name}' does not match the file's MD5 {md5}; the upload was not completed. {ex.Detail}".TrimEnd(),
                ex.StatusCode, ex.Detail, ex.ResponseBody, _file.FullName, ex);
        }
    }

    /// <summary>
    /// The server's record of the upload this file's journal names, or null (the journal then goes, with a warning)
    /// when the upload is gone from the server.
    /// </summary>
    private async Task<UploadRecord?> ReadJournalledUploadAsync(JournalEntry entry, CancellationToken ct)
    {
        // A journal holds the url actually used; one from an older version may name another origin, which is never contacted.
        var journalUrl = Uri.TryCreate(entry.UploadUrl, UriKind.Absolute, out var u) ? u : null;
        var url = UploadOrigin.UrlFor(_baseUrl, entry.UploadId, journalUrl);
        try
        {
            return await _protocol.GetRecordAsync(url, _stats, ct).ConfigureAwait(false);
        }
        catch (SynapseClientException ex) when (ex.Kind is SynapseErrorKind.UploadNotFound or SynapseErrorKind.UploadExpired)
        {
            _stats.Log?.Warning($"The interrupted upload {entry.UploadId} of '{_file.Name}' is gone from the server (HTTP {ex.StatusCode}); starting a new upload.");
            _resume.Forget();
            return null;
        }
    }

    /// <summary>Continues the journalled upload from the server's offset when the server's record allows it.</summary>
    private bool TryResume(UploadRecord record)
    {
        if (record.IsComplete || record.Offset > _file.Length)
        {
            _stats.Log?.Warning(record.IsComplete
                ? $"The upload {record.Id} of '{_file.Name}' is complete on the server but holds {record.Offset} of its {_file.Length} bytes; starting a new upload."
                : $"The server holds more bytes of upload {record.Id} than '{_file.Name}' has; starting a new upload.");
            _resume.Forget();
            return false;
        }

        Adopt(record);
        _stats.Log?.Verbose($"Resuming upload {record.Id} of '{_file.Name}' from byte {record.Offset} of {_file.Length}.");
        return true;
    }

    /// <summary>Hashes the file from what the digest holds up to <paramref name="target"/> (the part the server already has).</summary>
    private async Task HashUpToAsync(FileDigest digest, long target, CancellationToken ct)
    {
        StartPhase(UploadPhase.Verifying, digest.Length, target);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(ChunkBody.BlockSize);
        try
        {
            while (digest.Length < target)
            {
                ct.ThrowIfCancellationRequested();
                var position = digest.Length;
                var count = (int)Math.Min(buffer.Length, target - position);
                await _file.ReadExactlyAsync(position, buffer, count, ct).ConfigureAwait(false);
                digest.Append(position, buffer, count);
                Report(UploadPhase.Verifying, digest.Length, target);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        StartPhase(UploadPhase.Uploading, _offset);
    }

    private void CheckOffset(long serverOffset, Exception? inner)
    {
        if (serverOffset < 0 || serverOffset > _file.Length)
            throw new SynapseClientException(SynapseErrorKind.UnexpectedResponse,
                $"The server reports offset {serverOffset} for a file of {_file.Length} bytes.", filePath: _file.FullName, inner: inner);
    }

    private void StartPhase(UploadPhase phase, long bytesDone, long? total = null)
    {
        _phaseClock = Stopwatch.StartNew();
        _phaseStartBytes = bytesDone;
        _reported = bytesDone;
        Report(phase, bytesDone, total);
    }

    private void Report(UploadPhase phase, long bytesDone, long? total = null)
    {
        if (_progress is null) return;
        if (bytesDone > _reported) _reported = bytesDone;
        _progress.Report(new UploadProgress(_file.FullName, phase, _reported, total ?? _file.Length, _phaseClock.Elapsed,
            Math.Max(0, _reported - _phaseStartBytes)));
    }
}
