using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading;

namespace SynapsePS.Resume;

/// <summary>
/// One small JSON file per (server, local file) key, named by the SHA-256 of the key and written atomically (a
/// temporary file in the same folder renamed over the old one). The rename is what makes it safe: a reader, a
/// killed writer or several processes writing the same key at once only ever leave whole records, and the last
/// rename wins. No lock files and no native code, so it behaves the same in Windows PowerShell 5.1 and PowerShell 7.
/// </summary>
/// <remarks>
/// Thread-safe: it holds no mutable state. Reads never throw for what they find on disk; a file that is not a
/// current-version record of its own key is ignored with a warning.
/// </remarks>
internal sealed class KeyedRecordStore<T> where T : class, IKeyedRecord
{
    // Records are a few hundred bytes; anything far bigger is not one of ours and is not worth reading whole.
    private const int MaxRecordBytes = 64 * 1024;
    private const int ReplaceAttempts = 8;
    private const string HexDigits = "0123456789abcdef";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    private readonly string _fileNamePrefix;
    private readonly int _hashBytes;
    private readonly bool _sharded;
    private readonly int _version;
    private readonly string _recordKind;
    private readonly string[]? _shardFolders;

    // The buffer a record is read into, one per thread: a rerun reads a record per file.
    [ThreadStatic] private static byte[]? t_buffer;

    /// <param name="directory">The folder of the records (created on the first write).</param>
    /// <param name="fileNamePrefix">What every record's file name starts with, before the hash.</param>
    /// <param name="hashBytes">How many bytes of the key's SHA-256 name a record (1 to 32).</param>
    /// <param name="sharded">Whether records go into 256 sub-folders by the first byte of the hash, so that no folder
    /// grows past a few thousand entries however many records there are.</param>
    /// <param name="version">The record version this code reads and writes; records of any other version are ignored.</param>
    /// <param name="recordKind">What a record is called in warnings ("upload ledger entry").</param>
    public KeyedRecordStore(string directory, string fileNamePrefix, int hashBytes, bool sharded, int version, string recordKind)
    {
        if (hashBytes is < 1 or > 32) throw new ArgumentOutOfRangeException(nameof(hashBytes));
        Directory = directory;
        _fileNamePrefix = fileNamePrefix;
        _hashBytes = hashBytes;
        _sharded = sharded;
        _version = version;
        _recordKind = recordKind;
        if (sharded)
        {
            _shardFolders = new string[256];
            for (var shard = 0; shard < 256; shard++) _shardFolders[shard] = Path.Combine(directory, shard.ToString("x2", CultureInfo.InvariantCulture));
        }
    }

    public string Directory { get; }

    /// <summary>The file of the record of one local file on one server.</summary>
    public string PathFor(Uri baseUrl, string fullName)
    {
        var hash = FileKey.HashOf(baseUrl, fullName);
        // Built by hand: a rerun names a record per file, and the formatting API costs more than the hash.
        var name = new char[_fileNamePrefix.Length + 2 * _hashBytes + 5];
        _fileNamePrefix.CopyTo(0, name, 0, _fileNamePrefix.Length);
        var at = _fileNamePrefix.Length;
        for (var i = 0; i < _hashBytes; i++)
        {
            name[at++] = HexDigits[hash[i] >> 4];
            name[at++] = HexDigits[hash[i] & 0xF];
        }
        ".json".CopyTo(0, name, at, 5);
        return Path.Combine(_sharded ? _shardFolders![hash[0]] : Directory, new string(name));
    }

    /// <summary>
    /// The record of this key, or null when there is none or it is damaged (then with a warning). A rerun calls
    /// this once per file, so the check that the record belongs to its key compares the names first and hashes only
    /// a record whose names are not spelled as this key spells them.
    /// </summary>
    public T? TryRead(Uri baseUrl, string fullName, IUploadLog? log)
    {
        var path = PathFor(baseUrl, fullName);
        var record = ReadAt(path, log, checkKey: false);
        if (record is null) return null;
        if (string.Equals(record.BaseUrl, baseUrl.AbsoluteUri, StringComparison.Ordinal) && FileKey.SamePath(record.FullName, fullName))
            return record;
        return IsFiledUnderItsKey(record, path, log) ? record : null;
    }

    /// <summary>
    /// Writes the record atomically over any earlier one of its key: a reader sees the old record or the new one,
    /// never half of one. Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when the
    /// folder cannot be written; the caller decides whether that matters.
    /// </summary>
    public void Write(T record)
    {
        if (!Uri.TryCreate(record.BaseUrl, UriKind.Absolute, out var baseUrl))
            throw new ArgumentException($"The {_recordKind}'s BaseUrl '{record.BaseUrl}' is not an absolute URL.", nameof(record));
        if (string.IsNullOrEmpty(record.FullName))
            throw new ArgumentException($"The {_recordKind} has no FullName.", nameof(record));

        var path = PathFor(baseUrl, record.FullName);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(record, s_json);
        var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            // No fsync: the rename alone keeps readers and killed processes from ever seeing half a record. A power
            // cut may lose the newest records (an empty file reads as damaged, so as absent); that costs a resume
            // or a re-upload, never a wrong answer.
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                stream.Write(bytes, 0, bytes.Length);
            }
            ReplaceWith(temp, path);
        }
        catch
        {
            try { File.Delete(temp); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { /* the original failure is the one to report */ }
            throw;
        }
    }

    /// <summary>
    /// Removes the record of this key; false when there was none. Throws <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> when it exists and cannot be removed.
    /// </summary>
    public bool Delete(Uri baseUrl, string fullName)
    {
        var path = PathFor(baseUrl, fullName);
        if (!File.Exists(path)) return false;
        File.Delete(path);
        return true;
    }

    /// <summary>
    /// Every readable record, read one file at a time as the caller iterates (nothing is collected first). Damaged
    /// files are skipped with a warning; records written or removed during the walk may or may not be seen.
    /// </summary>
    public IEnumerable<T> Enumerate(IUploadLog? log)
    {
        foreach (var folder in Folders())
        {
            foreach (var path in RecordFilesIn(folder, log))
            {
                var record = ReadAt(path, log, checkKey: true);
                if (record is not null) yield return record;
            }
        }
    }

    private IEnumerable<string> Folders()
    {
        if (!_sharded)
        {
            yield return Directory;
            yield break;
        }
        foreach (var folder in _shardFolders!) yield return folder;
    }

    /// <summary>The record files of one folder, as the file system lists them; an unreadable folder ends with a warning.</summary>
    private IEnumerable<string> RecordFilesIn(string folder, IUploadLog? log)
    {
        IEnumerator<string>? files = null;
        try
        {
            files = System.IO.Directory.EnumerateFiles(folder, _fileNamePrefix + "*.json").GetEnumerator();
        }
        catch (DirectoryNotFoundException)
        {
            // Nothing was ever written here.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            log?.Warning($"Cannot list the {_recordKind} folder '{folder}': {ex.Message}");
        }
        if (files is null) yield break;

        using (files)
        {
            while (true)
            {
                string? name = null;
                try
                {
                    if (files.MoveNext()) name = Path.GetFileName(files.Current);
                }
                catch (DirectoryNotFoundException)
                {
                    // Removed while listing it: nothing more to find.
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
                {
                    log?.Warning($"Stopped listing the {_recordKind} folder '{folder}': {ex.Message}");
                }
                if (name is null) yield break;
                // Temporary files end in .tmp; anything else not shaped like a record name is none of ours.
                if (IsRecordFileName(name)) yield return Path.Combine(folder, name);
            }
        }
    }

    private bool IsRecordFileName(string name)
    {
        if (name.Length != _fileNamePrefix.Length + 2 * _hashBytes + 5) return false;
        if (!name.StartsWith(_fileNamePrefix, StringComparison.Ordinal) || !name.EndsWith(".json", StringComparison.Ordinal)) return false;
        for (var i = _fileNamePrefix.Length; i < name.Length - 5; i++)
        {
            var c = name[i];
            if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f')) return false;
        }
        return true;
    }

    /// <summary>
    /// The record in this file when it is a whole, current-version record (and, with <paramref name="checkKey"/>,
    /// one filed under its own key).
    /// </summary>
    private T? ReadAt(string path, IUploadLog? log, bool checkKey)
    {
        var bytes = t_buffer ??= new byte[4096];
        int length;
        try
        {
            length = ReadWhole(path, ref bytes);
            t_buffer = bytes;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
        {
            Ignore(log, path, $"it cannot be read: {ex.Message}");
            return null;
        }
        if (length > MaxRecordBytes)
        {
            Ignore(log, path, $"it is more than {MaxRecordBytes} bytes long, far more than a record");
            return null;
        }

        T? record;
        try
        {
            record = JsonSerializer.Deserialize<T>(new ReadOnlySpan<byte>(bytes, 0, length), s_json);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException)
        {
            Ignore(log, path, $"it is not a valid record ({ex.Message})");
            return null;
        }
        if (record is null)
        {
            Ignore(log, path, "it holds no record");
            return null;
        }
        if (record.Version != _version)
        {
            Ignore(log, path, $"its version is {record.Version}, this version of SynapsePS reads {_version}");
            return null;
        }
        return !checkKey || IsFiledUnderItsKey(record, path, log) ? record : null;
    }

    /// <summary>
    /// Reads the file into <paramref name="buffer"/> (grown as needed, up to one byte past
    /// <see cref="MaxRecordBytes"/>); the number of bytes read, more than MaxRecordBytes for a file too long to be a record.
    /// </summary>
    private static int ReadWhole(string path, ref byte[] buffer)
    {
        // Delete sharing lets a writer rename over the file while we read it (Windows would refuse otherwise).
#if NET8_0_OR_GREATER
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
#else
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
#endif
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > MaxRecordBytes) return length;
                Array.Resize(ref buffer, Math.Min(2 * buffer.Length, MaxRecordBytes + 1));
            }
#if NET8_0_OR_GREATER
            var read = RandomAccess.Read(handle, new Span<byte>(buffer, length, buffer.Length - length), length);
#else
            var read = stream.Read(buffer, length, buffer.Length - length);
#endif
            if (read == 0) return length;
            length += read;
        }
    }

    /// <summary>Whether the record names the key whose file it is in (else it is ignored with a warning).</summary>
    private bool IsFiledUnderItsKey(T record, string path, IUploadLog? log)
    {
        if (Uri.TryCreate(record.BaseUrl, UriKind.Absolute, out var baseUrl) && !string.IsNullOrEmpty(record.FullName)
            && string.Equals(PathFor(baseUrl, record.FullName), path, StringComparison.Ordinal))
            return true;
        Ignore(log, path, $"it names '{record.FullName}' on '{record.BaseUrl}', which is not filed under this name");
        return false;
    }

    /// <summary>
    /// Renames the finished temporary file over the record. POSIX rename replaces atomically and never refuses;
    /// Windows can refuse for a moment while another process replaces or opens the same record, so it is retried.
    /// </summary>
    private static void ReplaceWith(string temp, string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
#if NET8_0_OR_GREATER
                File.Move(temp, path, overwrite: true);
#else
                if (File.Exists(path)) File.Replace(temp, path, destinationBackupFileName: null);
                else File.Move(temp, path);
#endif
                return;
            }
            catch (Exception ex) when ((ex is IOException or UnauthorizedAccessException) && attempt < ReplaceAttempts && File.Exists(temp))
            {
                Thread.Sleep(5 * attempt);
            }
        }
    }

    private void Ignore(IUploadLog? log, string path, string reason) =>
        log?.Warning($"Ignoring the {_recordKind} '{path}': {reason}.");
}
