using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Files;

namespace SynapsePS.Resume;

/// <summary>
/// The one owner of what this machine keeps about one file's upload to one server during a call: its claim (see
/// <see cref="UploadClaims"/>), the skip lookup in the ledger, and the resume point (journal and ledger writes).
/// The journal is read only under the claim; disposing lets the claim go, after the upload wrote what it had to.
/// </summary>
internal sealed class FileRecords : IDisposable
{
    private readonly UploadJournal _journal;
    private readonly UploadLedger _ledger;
    private readonly UploadClaims _claims;
    private readonly Uri _baseUrl;
    private readonly bool _skipUploaded;
    private readonly TimeProvider _time;
    private readonly IUploadLog? _log;
    private UploadClaim? _claim;

    internal FileRecords(UploadJournal journal, UploadLedger ledger, UploadClaims claims, Uri baseUrl, string fullName,
        bool skipUploaded, TimeProvider time, IUploadLog? log)
    {
        _journal = journal;
        _ledger = ledger;
        _claims = claims;
        _baseUrl = baseUrl;
        FullName = fullName;
        _skipUploaded = skipUploaded;
        _time = time;
        _log = log;
    }

    public string FullName { get; }

    /// <summary>
    /// With <see cref="UploadOptions.SkipUploaded"/>: the result of an earlier upload of this file to this server,
    /// when the file is unchanged since (same length and last-write time, the target's for a link); otherwise null.
    /// <paramref name="found"/> is the file's figures from a folder walk, so that no second stat is needed.
    /// Sends no request; a ledger that cannot be read costs the skip, with a warning, not the upload.
    /// </summary>
    public UploadResult? TrySkip(FoundFile? found = null)
    {
        if (!_skipUploaded) return null;
        try
        {
            var file = found ?? LinkedFileStat.Read(FullName);
            return file is null ? null : TrySkipUnchanged(file);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _log?.Warning($"Could not look '{FullName}' up in the ledger of completed uploads: {ex.Message}");
            return null;
        }
    }

    private UploadResult? TrySkipUnchanged(FoundFile file)
    {
        var entry = _ledger.TryGet(_baseUrl, file.FullName, _log);
        if (entry is null) return null;
        if (!UploadLedger.Matches(entry, file.Length, file.LastWriteTimeUtc))
        {
            _log?.Verbose($"'{file.FullName}' changed since its upload {entry.UploadId} (length or last-write time); uploading it again.");
            return null;
        }
        _log?.Verbose($"'{file.FullName}' is unchanged since its upload {entry.UploadId}; skipped.");
        return new UploadResult(entry.UploadId, file.FullName, entry.Length, entry.Md5,
            Uri.TryCreate(entry.UploadUrl, UriKind.Absolute, out var url) ? url : null, ChunkedUploadRecord.CompleteStatus,
            chunkCount: 0, TimeSpan.Zero, bytesSent: 0, retries: 0, resumed: false, resumedFromOffset: 0, serverRecord: null, skipped: true);
    }

    /// <summary>
    /// Claims the file for this call without waiting: false while another call on this machine holds it. A claims'
    /// folder that cannot be used at all costs the guard, not the upload: a warning, and a claim that holds nothing.
    /// </summary>
    public bool TryClaim()
    {
        try
        {
            _claim = _claims.TryClaim(_baseUrl, FullName);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _claim = Unguarded(ex);
        }
        return _claim is not null;
    }

    /// <summary>
    /// Waits until the file can be claimed, reporting the wait as <see cref="UploadPhase.WaitingForAnotherRun"/>
    /// progress; says in Verbose that it waited. Throws <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    public async Task ClaimAsync(IProgress<UploadProgress>? progress, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var waiting = new WaitingReport(FullName, progress);
        try
        {
            _claim = await _claims.ClaimAsync(_baseUrl, FullName, waiting, cancellationToken, time: _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _claim = Unguarded(ex);
            return;
        }
        if (waiting.Refused)
            _log?.Verbose($"'{Path.GetFileName(FullName)}' waited {_time.GetElapsedTime(started).TotalSeconds:0.0} s for another run on this machine to finish with it.");
    }

    /// <summary>The journal and ledger of the open file this call uploads under its claim.</summary>
    public ResumePoint ResumePointFor(LocalFile file) => new(_journal, _ledger, _baseUrl, file, _log);

    /// <summary>Lets the claim go: after the ledger entry and the journal are written, so the next claimant reads them.</summary>
    public void Dispose() => Interlocked.Exchange(ref _claim, null)?.Dispose();

    private UploadClaim Unguarded(Exception ex)
    {
        _log?.Warning($"Could not claim '{FullName}' in '{_claims.Directory}' ({ex.Message}); uploading it without the guard against another run on this machine.");
        return UploadClaim.Unguarded(_baseUrl, FullName);
    }

    /// <summary>Turns the time a claim has waited into a progress report of the file.</summary>
    private sealed class WaitingReport(string fullName, IProgress<UploadProgress>? progress) : IProgress<TimeSpan>
    {
        public bool Refused { get; private set; }

        public void Report(TimeSpan waited)
        {
            Refused = true;
            progress?.Report(new UploadProgress(fullName, UploadPhase.WaitingForAnotherRun, 0, 0, waited, 0));
        }
    }
}
