using System;
using System.Collections.Generic;
using System.IO;

namespace SynapsePS.Resume;

/// <summary>The resume journals: one <see cref="JournalEntry"/> per (server, local file) with an upload in progress.</summary>
internal sealed class UploadJournal
{
    private readonly KeyedRecordStore<JournalEntry> _store;

    // Journals sit flat in the state folder as upload-<first 16 bytes of the key's SHA-256>.json: there are only
    // ever as many as uploads left unfinished, and earlier versions wrote them there.
    private UploadJournal(string directory) =>
        _store = new KeyedRecordStore<JournalEntry>(directory, fileNamePrefix: "upload-", hashBytes: 16, sharded: false, version: 1, "resume journal");

    /// <summary>The state folder: the journals, and the upload ledger below it.</summary>
    public string Directory => _store.Directory;

    /// <summary>The journals of this state folder, else of the one <see cref="StateFolder"/> names.</summary>
    public static UploadJournal Open(string? stateDirectory) => new(StateFolder.JournalFolder(stateDirectory));

    /// <summary>The journal file of one local file on one server.</summary>
    public string PathFor(Uri baseUrl, string fullName) => _store.PathFor(baseUrl, fullName);

    /// <summary>The entry for this file, or null when there is none or it cannot be read (it is then ignored).</summary>
    public JournalEntry? TryLoad(Uri baseUrl, string fullName) => _store.TryRead(baseUrl, fullName, log: null);

    /// <summary>Writes the entry atomically: a reader sees the old entry or the new one, never half of one.</summary>
    public void Save(JournalEntry entry)
    {
        entry.UpdatedUtc = DateTime.UtcNow;
        _store.Write(entry);
    }

    public void Delete(Uri baseUrl, string fullName)
    {
        try { _store.Delete(baseUrl, fullName); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* a stale journal is checked against the server anyway */ }
    }

    /// <summary>Every readable journal, read as the caller iterates; damaged ones are skipped with a warning.</summary>
    public IEnumerable<JournalEntry> Enumerate(IUploadLog? log) => _store.Enumerate(log);
}
