using System;

namespace SynapsePS;

/// <summary>One file of a batch, uploaded, skipped or failed, written as soon as it is settled.</summary>
public sealed class BatchUploadResult
{
    public BatchUploadResult(string fullName, long? length, UploadResult? upload, SynapseClientException? error)
    {
        FullName = fullName;
        Name = System.IO.Path.GetFileName(fullName);
        Length = upload?.Length ?? length;
        Upload = upload;
        Error = error;
        Status = upload is null ? "Failed" : upload.Skipped ? "Skipped" : "Succeeded";
    }

    public string Name { get; }
    public string FullName { get; }
    public long? Length { get; }
    public bool Succeeded => Upload is not null;
    public bool Skipped => Upload?.Skipped ?? false;

    /// <summary>Succeeded, Skipped (already uploaded, unchanged) or Failed.</summary>
    public string Status { get; }
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

    /// <summary>The full upload result, when succeeded or skipped.</summary>
    public UploadResult? Upload { get; }

    public SynapseClientException? Error { get; }
}
