using System;
using System.Collections.Generic;

namespace SynapsePS.Resume;

/// <summary>
/// What this machine remembers about its uploads, for the commands that show and reset it: the resume journals
/// of interrupted uploads and the ledger of completed ones, both in the state folder (SYNAPSEPS_STATE_DIR, else
/// the per-user default). Read one entry at a time: a ledger of a million entries is never loaded whole.
/// </summary>
public sealed class UploadState
{
    private readonly UploadJournal _journal;
    private readonly UploadLedger _ledger;

    private UploadState(string? stateDirectory)
    {
        _journal = UploadJournal.Open(stateDirectory);
        _ledger = UploadLedger.Open(stateDirectory);
    }

    /// <param name="stateDirectory">The state folder; null for SYNAPSEPS_STATE_DIR or the per-user default.</param>
    public static UploadState Open(string? stateDirectory = null) => new(stateDirectory);

    /// <summary>The state folder.</summary>
    public string Directory => _journal.Directory;

    /// <summary>Interrupted uploads a rerun would resume; unreadable journals are skipped with a warning.</summary>
    public IEnumerable<PendingUpload> Pending(IUploadLog? log = null)
    {
        foreach (var e in _journal.Enumerate(log))
        {
            if (!Uri.TryCreate(e.BaseUrl, UriKind.Absolute, out var baseUrl) || !Uri.TryCreate(e.UploadUrl, UriKind.Absolute, out var url)) continue;
            yield return new PendingUpload(e.FullName, baseUrl, e.UploadId, url, e.Offset, e.Length, e.UpdatedUtc);
        }
    }

    /// <summary>Files uploaded completely; damaged entries are skipped with a warning.</summary>
    public IEnumerable<CompletedUpload> Completed(IUploadLog? log = null)
    {
        foreach (var e in _ledger.Enumerate(log))
        {
            if (!Uri.TryCreate(e.BaseUrl, UriKind.Absolute, out var baseUrl) || !Uri.TryCreate(e.UploadUrl, UriKind.Absolute, out var url)) continue;
            yield return new CompletedUpload(e.FullName, baseUrl, e.UploadId, url, e.Md5, e.Length, e.LastWriteTimeUtc, e.CompletedAtUtc);
        }
    }

    /// <summary>Forgets an interrupted upload: the next run of that file starts a new upload. False when there was none.</summary>
    public bool ForgetPending(Uri baseUrl, string fullName)
    {
        var existed = System.IO.File.Exists(_journal.PathFor(baseUrl, fullName));
        _journal.Delete(baseUrl, fullName);
        return existed;
    }

    /// <summary>Forgets a completed upload: the next run with -SkipUploaded uploads that file again. False when there was none.</summary>
    public bool ForgetCompleted(Uri baseUrl, string fullName) => _ledger.Remove(baseUrl, fullName);
}
