using System.Collections.Concurrent;

namespace SynapsePS.DevServer.Storage;

/// <summary>The uploads of one server, and who owns them.</summary>
internal sealed class UploadStore
{
    private readonly ConcurrentDictionary<string, StoredUpload> _uploads = new();
    private readonly ConcurrentDictionary<string, int> _users = new(StringComparer.Ordinal);
    private readonly RecordShape _shape;
    private readonly UploadRecordFiles? _files;
    private int _lastNumber;

    /// <param name="tokens">The accepted tokens: their users are 1, 2, ... in this order; other tokens (a server
    /// without auth) get the next numbers as they first appear.</param>
    /// <param name="persist">Keep the records on disk and take up those a server before this one kept there.</param>
    public UploadStore(string directory, RecordShape shape, IEnumerable<string> tokens, bool persist = false)
    {
        Directory = directory;
        _shape = shape;
        foreach (var token in tokens) _users.TryAdd(token, _users.Count + 1);
        if (!persist) return;
        _files = new UploadRecordFiles(directory);
        foreach (var upload in _files.Load())
        {
            _uploads[upload.Id] = upload;
            _users.TryAdd(upload.Owner, upload.User);
            if (int.TryParse(upload.Id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
                _lastNumber = Math.Max(_lastNumber, number);
        }
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
            _files?.Delete(id);
            try { File.Delete(u.PartPath); } catch (IOException) { }
            u.Dispose();
        }
    }

    /// <summary>Keeps the upload's record where a server started again would find it (with --persist; else nothing).</summary>
    public void Save(StoredUpload upload) => _files?.Save(upload);

    public IEnumerable<StoredUpload> All => _uploads.Values;

    public long StoredBytes => _uploads.Values.Sum(u => u.Offset);

    public static string SafeName(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var safe = new string(name.Select(c => invalid.Contains(c) || c == '/' || c == '\\' ? '_' : c).ToArray());
        return string.IsNullOrWhiteSpace(safe) || safe is "." or ".." ? "upload" : safe;
    }
}
