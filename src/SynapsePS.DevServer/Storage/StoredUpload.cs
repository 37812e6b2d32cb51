using System.Security.Cryptography;

namespace SynapsePS.DevServer.Storage;

/// <summary>One chunked upload as drf-chunked-upload keeps it: a .part file, its offset, and the MD5 so far.</summary>
internal sealed class StoredUpload : IDisposable
{
    public required string Id { get; init; }
    public required string Owner { get; init; }
    /// <summary>The owner's user pk, as drf serializes the record's user.</summary>
    public required int User { get; init; }
    public required string PartPath { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string Filename { get; set; } = "";
    public long Offset { get; set; }
    public bool IsComplete { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public string? FinalPath { get; set; }
    public IncrementalHash Md5 { get; set; } = IncrementalHash.CreateHash(HashAlgorithmName.MD5);

    /// <summary>Chunks of one upload are taken one at a time; different uploads run in parallel.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public string StoredPath => FinalPath ?? PartPath;

    public string Md5Hex() => Convert.ToHexString(Md5.GetCurrentHash()).ToLowerInvariant();

    public void Dispose()
    {
        Md5.Dispose();
        Gate.Dispose();
    }
}
