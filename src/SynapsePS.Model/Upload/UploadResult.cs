using System;
using System.Collections.Generic;

namespace SynapsePS;

/// <summary>One finished upload: only created after the server accepted the finishing POST.</summary>
public sealed class UploadResult
{
    internal UploadResult() { }

    /// <summary>The server's upload id.</summary>
    public string Id { get; internal set; } = "";
    public string Name { get; internal set; } = "";
    public string FullName { get; internal set; } = "";
    public long Length { get; internal set; }

    /// <summary>Lowercase hex MD5 of the whole file, as the server confirmed it.</summary>
    public string Md5 { get; internal set; } = "";
    public Uri? Url { get; internal set; }

    /// <summary>"complete" (or what the server called it).</summary>
    public string Status { get; internal set; } = "";
    public int ChunkCount { get; internal set; }
    public TimeSpan Duration { get; internal set; }
    public double BytesPerSecond { get; internal set; }

    /// <summary>File bytes sent by this run (less than Length when resumed; more when chunks were resent).</summary>
    public long BytesSent { get; internal set; }

    /// <summary>Requests that were retried after a transient failure.</summary>
    public int Retries { get; internal set; }

    /// <summary>Whether this run continued an earlier, interrupted upload.</summary>
    public bool Resumed { get; internal set; }

    /// <summary>The server's offset the run resumed from (0 when not resumed).</summary>
    public long ResumedFromOffset { get; internal set; }

    /// <summary>The server's final record, field by field.</summary>
    public IReadOnlyDictionary<string, object?> ServerRecord { get; internal set; } = new Dictionary<string, object?>();
}
