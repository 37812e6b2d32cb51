using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace SynapsePS.Resume;

/// <summary>
/// What "the same local file on the same server" is, for journals, the ledger and claims alike: the SHA-256 of
/// the base URL and the path as the OS compares it (case-sensitive on Linux, not on Windows).
/// </summary>
internal static class FileKey
{
    private static readonly bool s_ignoresCase = Path.DirectorySeparatorChar == '\\';

#if !NET8_0_OR_GREATER
    // A rerun hashes a key per file, tens of thousands a second: one hasher per thread instead of one per key.
    // IncrementalHash is the system's own SHA-256 (CNG on .NET Framework), which FIPS policy allows; SHA256.Create()
    // there is SHA256Managed, which that policy refuses before MD5's clear HashAlgorithmUnavailable could be said.
    [ThreadStatic] private static IncrementalHash? t_sha;
#endif

    public static byte[] HashOf(Uri baseUrl, string fullName)
    {
        var key = Encoding.UTF8.GetBytes(baseUrl.AbsoluteUri + "\n" + (s_ignoresCase ? fullName.ToUpperInvariant() : fullName));
#if NET8_0_OR_GREATER
        return SHA256.HashData(key);
#else
        var sha = t_sha ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(key);
        return sha.GetHashAndReset();
#endif
    }

    /// <summary>Whether two paths name the same key, as <see cref="HashOf"/> compares them.</summary>
    public static bool SamePath(string a, string b) =>
        s_ignoresCase ? string.Equals(a.ToUpperInvariant(), b.ToUpperInvariant(), StringComparison.Ordinal) : string.Equals(a, b, StringComparison.Ordinal);
}
