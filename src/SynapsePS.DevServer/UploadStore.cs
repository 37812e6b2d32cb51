using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace SynapsePS.DevServer;

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

/// <summary>The uploads of one server, and who owns them.</summary>
internal sealed class UploadStore
{
    private readonly ConcurrentDictionary<string, StoredUpload> _uploads = new();
    private readonly ConcurrentDictionary<string, int> _users = new(StringComparer.Ordinal);
    private readonly RecordShape _shape;
    private int _lastNumber;

    /// <param name="tokens">The accepted tokens: their users are 1, 2, ... in this order; other tokens (a server
    /// without auth) get the next numbers as they first appear.</param>
    public UploadStore(string directory, RecordShape shape, IEnumerable<string> tokens)
    {
        Directory = directory;
        _shape = shape;
        foreach (var token in tokens) _users.TryAdd(token, _users.Count + 1);
    }

    public string Directory { get; }

    public StoredUpload Create(string owner)
    {
        // drf's primary key is a UUID (hyphenated, as its serializer writes it); Synapse numbers its uploads.
        var id = _shape == RecordShape.Synapse
            ? Interlocked.Increment(ref _lastNumber).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : Guid.NewGuid().ToString("D");
        var upload = new StoredUpload
        {
            Id = id,
            Owner = owner,
            User = UserFor(owner),
            PartPath = Path.Combine(Directory, id + ".part"),
            CreatedAt = DateTimeOffset.UtcNow,
        };
        _uploads[id] = upload;
        return upload;
    }

    public int UserFor(string owner)
    {
        lock (_users) return _users.GetOrAdd(owner, _ => _users.Count + 1);
    }

    public StoredUpload? Find(string id) => _uploads.TryGetValue(id, out var u) ? u : null;

    public void Forget(string id)
    {
        if (_uploads.TryRemove(id, out var u))
        {
            try { File.Delete(u.PartPath); } catch (IOException) { }
            u.Dispose();
        }
    }

    public IEnumerable<StoredUpload> All => _uploads.Values;

    public long StoredBytes => _uploads.Values.Sum(u => u.Offset);

    public static string SafeName(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var safe = new string(name.Select(c => invalid.Contains(c) || c == '/' || c == '\\' ? '_' : c).ToArray());
        return string.IsNullOrWhiteSpace(safe) || safe is "." or ".." ? "upload" : safe;
    }
}
