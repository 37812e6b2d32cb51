using System;
using System.Collections.Generic;
using System.IO;

namespace SynapsePS.Resume;

/// <summary>
/// The files this machine has uploaded completely, per server, so that a rerun can skip those unchanged since.
/// One small JSON file per (server, local file) under <c>&lt;state&gt;/completed/ab/ab12…json</c>, sharded by the
/// first byte of the key's SHA-256 so that lookups and writes cost the same at a thousand entries or a million.
/// Thread-safe and safe across processes (see <see cref="KeyedRecordStore{T}"/>); the last writer of a key wins.
/// </summary>
internal sealed class UploadLedger
{
    private readonly KeyedRecordStore<LedgerEntry> _store;

    private UploadLedger(string directory) =>
        _store = new KeyedRecordStore<LedgerEntry>(directory, fileNamePrefix: "", hashBytes: 32, sharded: true, LedgerEntry.CurrentVersion, "upload ledger entry");

    /// <summary>The ledger's folder: <c>completed</c> inside the state folder.</summary>
    public string Directory => _store.Directory;

    /// <summary>The ledger of this state folder, else of the one <see cref="StateFolder"/> names.</summary>
    public static UploadLedger Open(string? stateDirectory) => new(StateFolder.LedgerFolder(stateDirectory));

    /// <summary>Whether the file is as it was when this entry was recorded (same length, same last-write time).</summary>
    public static bool Matches(LedgerEntry entry, long length, DateTime lastWriteTimeUtc)
    {
        if (entry is null) throw new ArgumentNullException(nameof(entry));
        var recorded = entry.LastWriteTimeUtc.Kind == DateTimeKind.Local ? entry.LastWriteTimeUtc.ToUniversalTime() : entry.LastWriteTimeUtc;
        var current = lastWriteTimeUtc.Kind == DateTimeKind.Local ? lastWriteTimeUtc.ToUniversalTime() : lastWriteTimeUtc;
        return entry.Length == length && recorded.Ticks == current.Ticks;
    }

    /// <summary>The entry's file (whether or not it exists).</summary>
    public string PathFor(Uri baseUrl, string fullName) => _store.PathFor(baseUrl, fullName);

    /// <summary>
    /// The entry of this file on this server, or null when there is none. Never throws for what is on disk: a
    /// damaged or unreadable entry is reported as a warning and counts as absent (the file is uploaded again).
    /// </summary>
    public LedgerEntry? TryGet(Uri baseUrl, string fullName, IUploadLog? log) => _store.TryRead(baseUrl, fullName, log);

    /// <summary>
    /// Records a completed upload, replacing any earlier entry of the same file and server. A failure to write is a
    /// warning, not an error: the upload itself succeeded, only a later skip is lost.
    /// </summary>
    public void Record(LedgerEntry entry, IUploadLog? log)
    {
        if (entry is null) throw new ArgumentNullException(nameof(entry));
        try
        {
            _store.Write(entry);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            log?.Warning($"Could not record the completed upload of '{entry.FullName}' in the upload ledger '{Directory}': {ex.Message}");
        }
    }

    /// <summary>
    /// Forgets the entry of this file on this server; false when there was none. Throws <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> when it exists and cannot be removed.
    /// </summary>
    public bool Remove(Uri baseUrl, string fullName) => _store.Delete(baseUrl, fullName);

    /// <summary>Every readable entry, read one file at a time as the caller iterates; damaged ones are skipped with a warning.</summary>
    public IEnumerable<LedgerEntry> Enumerate(IUploadLog? log) => _store.Enumerate(log);
}
