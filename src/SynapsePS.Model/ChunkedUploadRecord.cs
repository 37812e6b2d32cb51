using System;
using System.Collections.Generic;

namespace SynapsePS;

/// <summary>
/// The server's own record of one chunked upload, as Get-SynapseChunkedUpload reads it back: what the server
/// holds for the token, whichever machine or process made the upload.
/// </summary>
public sealed class ChunkedUploadRecord
{
    /// <summary>drf-chunked-upload's labels for its integer statuses 1 and 2.</summary>
    public const string IncompleteStatus = "Incomplete";
    public const string CompleteStatus = "Complete";

    public ChunkedUploadRecord(string id, string? fileName, long offset, string? status, DateTimeOffset? createdAt,
        DateTimeOffset? completedAt, Uri url, IReadOnlyDictionary<string, object?>? serverRecord)
    {
        Id = id ?? throw new ArgumentNullException(nameof(id));
        FileName = fileName;
        Offset = offset;
        Status = status;
        CreatedAt = createdAt;
        CompletedAt = completedAt;
        Url = url ?? throw new ArgumentNullException(nameof(url));
        ServerRecord = serverRecord ?? new Dictionary<string, object?>();
    }

    /// <summary>The server's upload id (opaque: a UUID on drf-chunked-upload, an integer on Synapse).</summary>
    public string Id { get; }

    /// <summary>The file name the first chunk announced.</summary>
    public string? FileName { get; }

    /// <summary>How many bytes of the file the server holds.</summary>
    public long Offset { get; }

    /// <summary>The status by name: "Incomplete", "Complete", or the server's own word for another state.</summary>
    public string? Status { get; }

    public DateTimeOffset? CreatedAt { get; }
    public DateTimeOffset? CompletedAt { get; }

    /// <summary>The upload's own URL: where its chunks, its finish and its record go.</summary>
    public Uri Url { get; }

    /// <summary>The record field by field, as the server sent it.</summary>
    public IReadOnlyDictionary<string, object?> ServerRecord { get; }
}
