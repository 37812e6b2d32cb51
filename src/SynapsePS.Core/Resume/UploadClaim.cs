using System;
using System.IO;
using System.Threading;

namespace SynapsePS.Resume;

/// <summary>
/// A held claim on one local file's upload to one server (see <see cref="UploadClaims"/>): while it is held, no other
/// process, runspace or thread on this machine can claim the same file. Disposing releases it; so does the end of
/// the process, however it ends.
/// </summary>
internal sealed class UploadClaim : IDisposable
{
    private FileStream? _lock;

    internal UploadClaim(Uri baseUrl, string fullName, FileStream? heldLock)
    {
        BaseUrl = baseUrl;
        FullName = fullName;
        _lock = heldLock;
    }

    /// <summary>
    /// A claim that holds nothing, for a call whose claims' folder cannot be used at all: the upload goes on as it
    /// would without claims, unguarded against another call on the same file.
    /// </summary>
    internal static UploadClaim Unguarded(Uri baseUrl, string fullName) => new(baseUrl, fullName, null);

    public Uri BaseUrl { get; }

    public string FullName { get; }

    /// <summary>Whether this claim holds its lock (not yet disposed, and not <see cref="Unguarded"/>).</summary>
    public bool IsHeld => Volatile.Read(ref _lock) is not null;

    /// <summary>Releases the claim. Safe to call more than once and from any thread.</summary>
    public void Dispose() => Interlocked.Exchange(ref _lock, null)?.Dispose();
}
