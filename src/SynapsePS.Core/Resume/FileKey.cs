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
    public static byte[] HashOf(Uri baseUrl, string fullName)
    {
        var key = baseUrl.AbsoluteUri + "\n" + (Path.DirectorySeparatorChar == '\\' ? fullName.ToUpperInvariant() : fullName);
        using var sha = SHA256.Create();
        return sha.ComputeHash(Encoding.UTF8.GetBytes(key));
    }
}
