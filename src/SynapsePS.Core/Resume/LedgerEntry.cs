using System;

namespace SynapsePS.Resume;

/// <summary>
/// One file this machine uploaded completely to one server: what it was when the server accepted the finish, so
/// that a later run can tell it is unchanged and skip it. It never holds a token.
/// </summary>
internal sealed class LedgerEntry : IKeyedRecord
{
    public const int CurrentVersion = 1;

    public int Version { get; set; } = CurrentVersion;

    /// <summary>The server's base URL, as <see cref="Uri.AbsoluteUri"/>.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>The local file's full path.</summary>
    public string FullName { get; set; } = "";

    public long Length { get; set; }
    public DateTime LastWriteTimeUtc { get; set; }

    /// <summary>The MD5 the server confirmed, lower-case hex.</summary>
    public string Md5 { get; set; } = "";

    /// <summary>The server's id of the upload (opaque).</summary>
    public string UploadId { get; set; } = "";

    public string UploadUrl { get; set; } = "";
    public DateTime CompletedAtUtc { get; set; }
}
