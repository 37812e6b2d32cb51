using System;

namespace SynapsePS;

/// <summary>A file this machine uploaded completely: one entry of the completed-uploads ledger.</summary>
public sealed class CompletedUpload
{
    public CompletedUpload(string fullName, Uri baseUrl, string id, Uri url, string md5, long length, DateTime lastWriteTimeUtc, DateTime completedAtUtc)
    {
        FullName = fullName;
        Name = System.IO.Path.GetFileName(fullName);
        BaseUrl = baseUrl;
        Id = id;
        Url = url;
        Md5 = md5;
        Length = length;
        LastWriteTime = lastWriteTimeUtc;
        CompletedAt = completedAtUtc;
    }

    public string Name { get; }
    public string FullName { get; }

    /// <summary>The server the file was uploaded to.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The server's upload id.</summary>
    public string Id { get; }
    public Uri Url { get; }
    public string Md5 { get; }

    /// <summary>The file's length and last-write time (UTC) when it was uploaded: a rerun skips it while both still hold.</summary>
    public long Length { get; }
    public DateTime LastWriteTime { get; }

    /// <summary>When the server accepted the finish (UTC).</summary>
    public DateTime CompletedAt { get; }
}
