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

    // The MD5 of the bytes held, and its hex beside it: the listing reads the hex while a chunk's commit swaps the
    // hash (and disposes the old one), so no reader touches the hash itself.
    private IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private string _md5Hex = "d41d8cd98f00b204e9800998ecf8427e";   // the MD5 of no bytes

    /// <summary>Chunks of one upload are taken one at a time; different uploads run in parallel.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public string StoredPath => FinalPath ?? PartPath;

    /// <summary>The MD5 of the bytes held so far, as lowercase hex; safe to read while chunks are committed.</summary>
    public string Md5Hex() => Volatile.Read(ref _md5Hex);

    /// <summary>A copy of the hash so far, for a chunk to extend before it is committed (under <see cref="Gate"/>).</summary>
    public IncrementalHash CopyHash() => _md5.Clone();

    /// <summary>Makes <paramref name="extended"/> the upload's hash (a committed chunk, or the bytes found on disk).</summary>
    public void AdoptHash(IncrementalHash extended)
    {
        var old = _md5;
        _md5 = extended;
        Volatile.Write(ref _md5Hex, Convert.ToHexString(extended.GetCurrentHash()).ToLowerInvariant());
        old.Dispose();
    }

    public void Dispose()
    {
        _md5.Dispose();
        Gate.Dispose();
    }
}
