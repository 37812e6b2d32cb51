using System;
using System.Collections.Generic;

namespace SynapsePS;

/// <summary>One file of a batch, succeeded or failed, written as soon as it is settled.</summary>
public sealed class BatchUploadResult
{
    public BatchUploadResult(string fullName, long? length, UploadResult? upload, SynapseClientException? error)
    {
        FullName = fullName;
        Name = System.IO.Path.GetFileName(fullName);
        Length = upload?.Length ?? length;
        Upload = upload;
        Error = error;
    }

    public string Name { get; }
    public string FullName { get; }
    public long? Length { get; }
    public bool Succeeded => Upload is not null;
    public string Status => Succeeded ? "Succeeded" : "Failed";
    public string? Id => Upload?.Id;
    public string? Md5 => Upload?.Md5;
    public TimeSpan Duration => Upload?.Duration ?? TimeSpan.Zero;
    public double BytesPerSecond => Upload?.BytesPerSecond ?? 0;
    public int Retries => Upload?.Retries ?? 0;

    /// <summary>The ErrorId of the failure, when failed.</summary>
    public string? ErrorId => Error?.ErrorId;

    /// <summary>Why it failed, in words (the server's message included).</summary>
    public string? Reason => Error?.Message;

    /// <summary>The HTTP status of the failure, when the server answered.</summary>
    public int? StatusCode => Error?.StatusCode;

    /// <summary>The full upload result, when succeeded.</summary>
    public UploadResult? Upload { get; }

    public SynapseClientException? Error { get; }
}

/// <summary>A whole batch in one object, shaped like the Python SDK's batch recipe (successful, failed, total).</summary>
public sealed class BatchUploadSummary
{
    public BatchUploadSummary(IReadOnlyList<BatchUploadResult> successful, IReadOnlyList<BatchUploadResult> failed, TimeSpan duration)
    {
        Successful = successful;
        Failed = failed;
        Duration = duration;
        long bytes = 0;
        foreach (var r in successful) bytes += r.Length ?? 0;
        Bytes = bytes;
    }

    public IReadOnlyList<BatchUploadResult> Successful { get; }
    public IReadOnlyList<BatchUploadResult> Failed { get; }
    public int Total => Successful.Count + Failed.Count;

    /// <summary>Bytes of the files that were uploaded.</summary>
    public long Bytes { get; }
    public TimeSpan Duration { get; }
    public double BytesPerSecond => Duration.TotalSeconds > 0 ? Bytes / Duration.TotalSeconds : 0;
    public double FilesPerSecond => Duration.TotalSeconds > 0 ? Total / Duration.TotalSeconds : 0;
}
