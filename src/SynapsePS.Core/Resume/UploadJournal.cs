using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SynapsePS.Resume;

/// <summary>
/// What a later run needs to continue an interrupted upload: one small JSON file per (server, local file),
/// rewritten atomically after every acknowledged chunk and removed after the finish. It never holds a token.
/// </summary>
internal sealed class JournalEntry
{
    public int Version { get; set; } = 1;
    public string BaseUrl { get; set; } = "";
    public string UploadUrl { get; set; } = "";
    public string UploadId { get; set; } = "";
    public string FullName { get; set; } = "";
    public long Length { get; set; }
    public DateTime LastWriteTimeUtc { get; set; }
    public int ChunkSize { get; set; }
    public long Offset { get; set; }
    public DateTime UpdatedUtc { get; set; }
}

internal sealed class UploadJournal
{
    public const string StateDirectoryVariable = "SYNAPSEPS_STATE_DIR";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    private UploadJournal(string directory) => Directory = directory;

    public string Directory { get; }

    public static UploadJournal Open(string? directory)
    {
        var dir = directory;
        if (string.IsNullOrEmpty(dir)) dir = Environment.GetEnvironmentVariable(StateDirectoryVariable);
        if (string.IsNullOrEmpty(dir))
        {
            var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
            if (string.IsNullOrEmpty(local)) local = Path.GetTempPath();
            dir = Path.Combine(local, "SynapsePS", "uploads");
        }
        return new UploadJournal(Path.GetFullPath(dir!));
    }

    /// <summary>The journal file of one local file on one server.</summary>
    public string PathFor(Uri baseUrl, string fullName)
    {
        // File names are case-sensitive on Linux and not on Windows; key on the path as the OS would compare it.
        var key = baseUrl.AbsoluteUri + "\n" + (Path.DirectorySeparatorChar == '\\' ? fullName.ToUpperInvariant() : fullName);
        using var sha = SHA256.Create();
        var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(key));
        var sb = new StringBuilder("upload-");
        for (var i = 0; i < 16; i++) sb.Append(hash[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        return Path.Combine(Directory, sb.Append(".json").ToString());
    }

    /// <summary>The entry for this file, or null when there is none or it cannot be read (it is then ignored).</summary>
    public JournalEntry? TryLoad(Uri baseUrl, string fullName)
    {
        var path = PathFor(baseUrl, fullName);
        try
        {
            if (!File.Exists(path)) return null;
            var entry = JsonSerializer.Deserialize<JournalEntry>(File.ReadAllText(path), s_json);
            return entry is { Version: 1 } && string.Equals(entry.FullName, fullName, StringComparison.Ordinal) ? entry : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes the entry atomically: a reader sees the old entry or the new one, never half of one.</summary>
    public void Save(JournalEntry entry)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = PathFor(new Uri(entry.BaseUrl), entry.FullName);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        entry.UpdatedUtc = DateTime.UtcNow;
        var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, s_json);
        // No fsync: the rename keeps readers from ever seeing half an entry, and an entry lost to a power cut
        // only costs the resume (the server's offset is asked anyway), never correctness.
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096))
        {
            stream.Write(bytes, 0, bytes.Length);
        }
#if NET8_0_OR_GREATER
        File.Move(temp, path, overwrite: true);
#else
        if (File.Exists(path)) File.Replace(temp, path, destinationBackupFileName: null);
        else File.Move(temp, path);
#endif
    }

    public void Delete(Uri baseUrl, string fullName)
    {
        try { File.Delete(PathFor(baseUrl, fullName)); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* a stale journal is checked against the server anyway */ }
    }
}
