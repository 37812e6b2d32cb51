using System;
using System.Collections.Generic;

namespace SynapsePS;

/// <summary>
/// One finished upload: created only after the server accepted the finishing POST, or, with <see cref="Skipped"/>,
/// for a file this machine had already uploaded unchanged to the same server.
/// </summary>
public sealed class UploadResult
{
    public UploadResult(string id, string fullName, long length, string md5, Uri? url, string status,
        int chunkCount, TimeSpan duration, long bytesSent, int retries, bool resumed, long resumedFromOffset,
        IReadOnlyDictionary<string, object?>? serverRecord, bool skipped = false, string? serverChecksum = null, long? serverSize = null)
    {
        Id = id;
        FullName = fullName;
        Name = System.IO.Path.GetFileName(fullName);
        Length = length;
        Md5 = md5;
        Url = url;
        Status = status;
        ChunkCount = chunkCount;
        Duration = duration;
        BytesPerSecond = duration.TotalSeconds > 0 ? (length - resumedFromOffset) / duration.TotalSeconds : 0;
        if (skipped) BytesPerSecond = 0;
        BytesSent = bytesSent;
        Retries = retries;
        Resumed = resumed;
        ResumedFromOffset = resumedFromOffset;
        ServerRecord = serverRecord ?? new Dictionary<string, object?>();
        Skipped = skipped;
        ServerChecksum = serverChecksum;
        ServerSize = serverSize;
    }

    /// <summary>The server's upload id (opaque: a UUID on drf-chunked-upload, an integer on Synapse).</summary>
    public string Id { get; }
    public string Name { get; }
    public string FullName { get; }
    public long Length { get; }

    /// <summary>Lowercase hex MD5 of the whole file, as the server confirmed it.</summary>
    public string Md5 { get; }
    public Uri? Url { get; }

    /// <summary>The server's status of the upload by name: "Complete".</summary>
    public string Status { get; }

    /// <summary>True when the file was not sent because this machine had already uploaded it, unchanged, to this server.</summary>
    public bool Skipped { get; }
    public int ChunkCount { get; }
    public TimeSpan Duration { get; }

    /// <summary>Bytes of the file moved by this run per second.</summary>
    public double BytesPerSecond { get; }

    /// <summary>File bytes sent by this run (less than Length when resumed; more when chunks were resent; 0 when skipped).</summary>
    public long BytesSent { get; }

    /// <summary>Requests that were retried after a transient failure.</summary>
    public int Retries { get; }

    /// <summary>Whether this run continued an earlier, interrupted upload.</summary>
    public bool Resumed { get; }

    /// <summary>The server's offset the run resumed from (0 when not resumed).</summary>
    public long ResumedFromOffset { get; }

    /// <summary>The <c>checksum</c> of the server's finish reply, where the server sends one (Synapse does).</summary>
    public string? ServerChecksum { get; }

    /// <summary>The <c>size</c> of the server's finish reply, where the server sends one (Synapse does).</summary>
    public long? ServerSize { get; }

    /// <summary>The server's final record, field by field, as it sent it.</summary>
    public IReadOnlyDictionary<string, object?> ServerRecord { get; }
}
