using System.Security.Cryptography;
using System.Text.Json;

namespace SynapsePS.DevServer.Storage;

/// <summary>
/// The upload records of a server started with --persist: one JSON file per upload in records/ under the storage
/// folder, written (atomically) whenever drf would have saved its model, and read back when a server starts on
/// the same folder. The MD5 so far is not kept: it is recomputed from the bytes held, as far as the offset.
/// A record written before a crash with bytes past its offset is simply behind: the next chunk cuts them off.
/// </summary>
internal sealed class UploadRecordFiles(string storageDirectory)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private sealed record Saved(string Id, string Owner, int User, string PartPath, DateTimeOffset CreatedAt, string Filename,
        long Offset, bool IsComplete, DateTimeOffset? CompletedAt, string? FinalPath);

    private string Folder => Path.Combine(storageDirectory, "records");

    public void Save(StoredUpload u)
    {
        Directory.CreateDirectory(Folder);
        var path = PathOf(u.Id);
        var saved = new Saved(u.Id, u.Owner, u.User, u.PartPath, u.CreatedAt, u.Filename, u.Offset, u.IsComplete, u.CompletedAt, u.FinalPath);
        File.WriteAllBytes(path + ".tmp", JsonSerializer.SerializeToUtf8Bytes(saved, s_json));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public void Delete(string id)
    {
        try { File.Delete(PathOf(id)); } catch (IOException) { }
    }

    public IEnumerable<StoredUpload> Load()
    {
        if (!Directory.Exists(Folder)) yield break;
        foreach (var file in Directory.EnumerateFiles(Folder, "*.json"))
        {
            var saved = JsonSerializer.Deserialize<Saved>(File.ReadAllBytes(file), s_json)!;
            var upload = new StoredUpload
            {
                Id = saved.Id,
                Owner = saved.Owner,
                User = saved.User,
                PartPath = saved.PartPath,
                CreatedAt = saved.CreatedAt,
                Filename = saved.Filename,
                IsComplete = saved.IsComplete,
                CompletedAt = saved.CompletedAt,
                FinalPath = saved.FinalPath,
            };
            upload.Offset = HashHeldBytes(upload, saved.Offset);
            yield return upload;
        }
    }

    /// <summary>Feeds the first <paramref name="offset"/> bytes held into the upload's MD5; returns how many there were.</summary>
    private static long HashHeldBytes(StoredUpload upload, long offset)
    {
        if (!File.Exists(upload.StoredPath)) return 0;
        using var stream = File.OpenRead(upload.StoredPath);
        var buffer = new byte[1024 * 1024];
        var hash = upload.CopyHash();
        long hashed = 0;
        while (hashed < offset)
        {
            var n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, offset - hashed));
            if (n == 0) break;
            hash.AppendData(buffer, 0, n);
            hashed += n;
        }
        upload.AdoptHash(hash);
        return hashed;
    }

    private string PathOf(string id) => Path.Combine(Folder, id + ".json");
}
