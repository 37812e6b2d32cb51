using System;
using System.Security.Cryptography;
using System.Text;

namespace SynapsePS.Files;

/// <summary>
/// MD5 of a growing prefix of the file. Bytes are fed as they are sent; bytes below the prefix already hashed
/// (a resent chunk) are skipped, so the final MD5 is that of the whole file however often chunks were resent.
/// </summary>
internal sealed class FileDigest : IDisposable
{
    private readonly IncrementalHash _md5;
    private readonly object _gate = new();

    public FileDigest(string filePath)
    {
        try
        {
            _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        }
        catch (Exception ex) when (ex is InvalidOperationException or CryptographicException or PlatformNotSupportedException or System.Reflection.TargetInvocationException)
        {
            // Windows in FIPS mode refuses MD5; the protocol cannot work without it.
            throw new SynapseClientException(SynapseErrorKind.HashAlgorithmUnavailable,
                $"MD5 is not available on this system ({ex.Message}); the chunked-upload protocol needs it. On Windows this happens when FIPS mode is enforced.",
                filePath: filePath, inner: ex);
        }
    }

    /// <summary>How many leading bytes of the file are in the hash.</summary>
    public long Length { get; private set; }

    /// <summary>Adds <paramref name="buffer"/>[0..count), the file's bytes at <paramref name="fileOffset"/>.</summary>
    public void Append(long fileOffset, byte[] buffer, int count)
    {
        lock (_gate)
        {
            if (fileOffset > Length)
                throw new InvalidOperationException($"MD5 gap: bytes at {fileOffset} offered while only {Length} are hashed.");
            var skip = Length - fileOffset;
            if (skip >= count) return;
            _md5.AppendData(buffer, (int)skip, count - (int)skip);
            Length += count - skip;
        }
    }

    public string Finish()
    {
        lock (_gate)
        {
            var hash = _md5.GetHashAndReset();
            var sb = new StringBuilder(hash.Length * 2);
            foreach (var b in hash) sb.Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            return sb.ToString();
        }
    }

    public void Dispose() => _md5.Dispose();
}
