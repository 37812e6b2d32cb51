namespace SynapsePS.DevServer;

/// <summary>
/// What the server holds for one upload (GET /_dev/uploads): Status is "uploading" or "complete" whatever the
/// record shape, User the record's user pk, Md5OfStoredBytes the MD5 of the bytes held so far.
/// </summary>
public sealed record UploadInfo(string Id, string Filename, string Owner, long Offset, string Status, string? Md5OfStoredBytes,
    string StoredPath, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, int User);
