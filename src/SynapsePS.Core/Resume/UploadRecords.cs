using System;
using SynapsePS.Files;

namespace SynapsePS.Resume;

/// <summary>
/// What this machine keeps about one call's uploads to one server (the claims, the journals of interrupted uploads,
/// the ledger of completed ones), handed out one file at a time: each file's <see cref="FileRecords"/> is the one
/// owner that reads and writes them for that file. Thread-safe: it holds no mutable state.
/// </summary>
internal sealed class UploadRecords
{
    private readonly UploadJournal _journal;
    private readonly UploadLedger _ledger;
    private readonly UploadClaims _claims;
    private readonly Uri _baseUrl;
    private readonly bool _skipUploaded;
    private readonly TimeProvider _time;

    /// <param name="skipUploaded">Whether a file the ledger holds unchanged is skipped (<see cref="UploadOptions.SkipUploaded"/>).</param>
    /// <param name="time">The call's clock: a claim's wait polls on it.</param>
    public UploadRecords(string? stateDirectory, Uri baseUrl, bool skipUploaded, TimeProvider time)
    {
        _journal = UploadJournal.Open(stateDirectory);
        _ledger = UploadLedger.Open(stateDirectory);
        _claims = UploadClaims.Open(stateDirectory);
        _baseUrl = baseUrl;
        _skipUploaded = skipUploaded;
        _time = time;
    }

    /// <summary>The owner of one file's records for this call; it holds no claim yet.</summary>
    public FileRecords For(string fullName, IUploadLog? log) =>
        new(_journal, _ledger, _claims, _baseUrl, fullName, _skipUploaded, _time, log);
}
