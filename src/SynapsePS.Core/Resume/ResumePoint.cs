using System;
using System.IO;
using SynapsePS.Files;

namespace SynapsePS.Resume;

/// <summary>
/// What this machine remembers about one file's upload to one server, and the one place that writes it: the
/// journal of the upload in progress (rewritten after every acknowledged chunk), and once the server holds the
/// upload complete, the ledger entry and then no journal.
/// </summary>
internal sealed class ResumePoint
{
    private readonly UploadJournal _journal;
    private readonly UploadLedger _ledger;
    private readonly Uri _baseUrl;
    private readonly LocalFile _file;
    private readonly IUploadLog? _log;

    public ResumePoint(UploadJournal journal, UploadLedger ledger, Uri baseUrl, LocalFile file, IUploadLog? log)
    {
        _journal = journal;
        _ledger = ledger;
        _baseUrl = baseUrl;
        _file = file;
        _log = log;
    }

    /// <summary>
    /// The interrupted upload this file's journal names, or null when there is none. A journal of a file that
    /// changed since (length or last-write time) goes, with a warning.
    /// </summary>
    public JournalEntry? TryLoad()
    {
        var entry = _journal.TryLoad(_baseUrl, _file.FullName);
        if (entry is null) return null;
        if (entry.Length == _file.Length && entry.LastWriteTimeUtc == _file.LastWriteTimeUtc) return entry;

        _log?.Warning($"'{_file.Name}' changed since its upload {entry.UploadId} was interrupted (length or last-write time); starting a new upload.");
        Forget();
        return null;
    }

    /// <summary>Notes that the server acknowledged <paramref name="offset"/> bytes of the upload <paramref name="id"/>.</summary>
    public void Save(Uri url, string id, long offset)
    {
        try
        {
            _journal.Save(new JournalEntry
            {
                BaseUrl = _baseUrl.AbsoluteUri,
                UploadUrl = url.AbsoluteUri,
                UploadId = id,
                FullName = _file.FullName,
                Length = _file.Length,
                LastWriteTimeUtc = _file.LastWriteTimeUtc,
                Offset = offset,
            });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The upload itself is fine; only a later resume loses its shortcut.
            _log?.Warning($"Could not write the resume journal in '{_journal.Directory}': {ex.Message}");
        }
    }

    /// <summary>Drops the journal: the upload it names cannot be continued, so the next run starts a new one.</summary>
    public void Forget() => _journal.Delete(_baseUrl, _file.FullName);

    /// <summary>
    /// The server holds the upload complete with this MD5: record it in the ledger, then drop the journal (a stop
    /// between the two leaves the journal, from which the rerun recovers the finished upload).
    /// </summary>
    public void Complete(string id, Uri url, string md5)
    {
        _ledger.Record(new LedgerEntry
        {
            BaseUrl = _baseUrl.AbsoluteUri,
            FullName = _file.FullName,
            Length = _file.Length,
            LastWriteTimeUtc = _file.LastWriteTimeUtc,
            Md5 = md5,
            UploadId = id,
            UploadUrl = url.AbsoluteUri,
            CompletedAtUtc = DateTime.UtcNow,
        }, _log);
        Forget();
    }
}
