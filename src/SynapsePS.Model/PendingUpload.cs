using System;

namespace SynapsePS;

/// <summary>An interrupted upload this machine would resume on a rerun: one resume journal.</summary>
public sealed class PendingUpload
{
    public PendingUpload(string fullName, Uri baseUrl, string uploadId, Uri uploadUrl, long offset, long length, DateTime lastActivityUtc)
    {
        FullName = fullName;
        Name = System.IO.Path.GetFileName(fullName);
        BaseUrl = baseUrl;
        UploadId = uploadId;
        UploadUrl = uploadUrl;
        Offset = offset;
        Length = length;
        LastActivity = lastActivityUtc;
    }

    public string Name { get; }
    public string FullName { get; }

    /// <summary>The server the upload goes to.</summary>
    public Uri BaseUrl { get; }
    public string UploadId { get; }
    public Uri UploadUrl { get; }

    /// <summary>The bytes the server had acknowledged when the journal was last written.</summary>
    public long Offset { get; }
    public long Length { get; }
    public double PercentComplete => Length > 0 ? Math.Round(100.0 * Offset / Length, 1) : 0;

    /// <summary>When the journal was last written (UTC).</summary>
    public DateTime LastActivity { get; }
}
