using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Files;

/// <summary>
/// The file being uploaded, opened read-only once, with the length and last-write time it had at the start,
/// so that any change while uploading is caught before the server is asked to finish.
/// </summary>
internal sealed class LocalFile : IDisposable
{
    private readonly FileStream _stream;
#if !NET8_0_OR_GREATER
    private readonly SemaphoreSlim _gate = new(1, 1);
#endif

    private LocalFile(string fullName, FileStream stream, long length, DateTime lastWriteTimeUtc)
    {
        FullName = fullName;
        _stream = stream;
        Length = length;
        LastWriteTimeUtc = lastWriteTimeUtc;
    }

    public string FullName { get; }
    public string Name => Path.GetFileName(FullName);
    public long Length { get; }
    public DateTime LastWriteTimeUtc { get; }

    /// <summary>Opens a file for upload, or throws the upload rule it breaks (<see cref="FileRules"/>).</summary>
    public static LocalFile Open(string path) =>
        TryOpen(FullPath(path), maxBytes: null, out var check) ?? throw FileRules.Refusal(check);

    /// <summary>The full path of <paramref name="path"/>; one that is no valid path fails as PathNotFound.</summary>
    public static string FullPath(string path)
    {
        try { return Path.GetFullPath(path); }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new SynapseClientException(SynapseErrorKind.PathNotFound, $"'{path}' is not a valid path: {ex.Message}", filePath: path, inner: ex);
        }
    }

    /// <summary>
    /// Checks a file against the upload rules and, when it passes, keeps it open for its upload: the handle the
    /// check read is the one the upload reads, so a file is opened once. Null when it breaks a rule (see <paramref name="check"/>).
    /// </summary>
    public static LocalFile? TryOpen(string fullName, long? maxBytes, out UploadFileCheck check)
    {
        check = FileRules.Evaluate(fullName, maxBytes, out var stream, out var lastWriteTimeUtc);
        if (stream is null) return null;
        // Length (of the open handle) and time (of the target, for a link) as of the open: any change after this is
        // caught before the server is asked to finish.
        return new LocalFile(fullName, stream, check.Length!.Value, lastWriteTimeUtc);
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes at <paramref name="offset"/>; a short read means the file shrank.</summary>
    public async Task ReadExactlyAsync(long offset, byte[] buffer, int count, CancellationToken ct)
    {
        var done = 0;
#if NET8_0_OR_GREATER
        while (done < count)
        {
            var n = await RandomAccess.ReadAsync(_stream.SafeFileHandle, buffer.AsMemory(done, count - done), offset + done, ct).ConfigureAwait(false);
            if (n == 0) throw Changed("it became shorter while being read");
            done += n;
        }
#else
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _stream.Position = offset;
            while (done < count)
            {
                var n = await _stream.ReadAsync(buffer, done, count - done, ct).ConfigureAwait(false);
                if (n == 0) throw Changed("it became shorter while being read");
                done += n;
            }
        }
        finally { _gate.Release(); }
#endif
    }

    /// <summary>Throws <see cref="SynapseErrorKind.FileChangedDuringUpload"/> if the length or last-write time moved.</summary>
    public void EnsureUnchanged()
    {
        // The target's figures for a link, as at the open; a link whose target went counts as deleted.
        var info = LinkedFileStat.Read(FullName);
        if (info is null) throw Changed("it was deleted");
        if (info.Length != Length) throw Changed($"its length went from {Length} to {info.Length} bytes");
        if (info.LastWriteTimeUtc != LastWriteTimeUtc) throw Changed("it was written to");
    }

    private SynapseClientException Changed(string how) =>
        new(SynapseErrorKind.FileChangedDuringUpload,
            $"The file '{FullName}' changed during the upload ({how}); the upload was not finished, so the server holds no partial copy as complete.",
            filePath: FullName);

    public void Dispose()
    {
        _stream.Dispose();
#if !NET8_0_OR_GREATER
        _gate.Dispose();
#endif
    }
}
