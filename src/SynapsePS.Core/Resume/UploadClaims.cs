using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Resume;

/// <summary>
/// Per-machine claims on (server, local file): before a call uploads or resumes a file it claims it, and while the
/// claim is held no other process, runspace or thread on this machine writes to that file's upload. A claim is an
/// operating-system lock on a small file in <c>&lt;state&gt;/claims</c>, so it ends with its holder however the holder
/// ends (kill -9, a crash, a reboot): nothing is ever judged stale. Design and costs: docs/upload-claims.md.
/// </summary>
/// <remarks>
/// The lock is an open with <see cref="FileShare.None"/>. On Windows that is the share mode of the handle; on Unix
/// .NET takes <c>flock(LOCK_EX | LOCK_NB)</c> on the open file description. Both conflict between two handles of
/// the same process as well as between processes, and both go away when the handle closes or the process dies.
/// (<see cref="FileStream.Lock"/> would not do: on Unix it is a POSIX record lock, owned by the process, so two
/// threads of one process would both get it.) Lock files are never deleted, so no one can lock a file that is about
/// to be unlinked; instead keys hash onto a fixed number of slots, which bounds the folder at
/// <see cref="SlotCount"/> empty files. Two files on one slot only wait for each other, they never fail.
/// Thread-safe: it holds no mutable state.
/// </remarks>
internal sealed class UploadClaims
{
    /// <summary>The claims' folder inside the state folder.</summary>
    public const string FolderName = "claims";

    /// <summary>How many lock files there can be. A power of two; the chance that a claim waits for another file is
    /// the number of claims held elsewhere divided by this.</summary>
    internal const int SlotCount = 16384;

    /// <summary>How often <see cref="ClaimAsync"/> tries again: a refused try costs microseconds.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(250);

    private static readonly bool s_isWindows = Path.DirectorySeparatorChar == '\\';

    private UploadClaims(string directory) => Directory = directory;

    /// <summary>The claims' folder: <c>claims</c> inside the state folder.</summary>
    public string Directory { get; }

    /// <summary>The claims in this state folder, else in the one <see cref="UploadJournal.Open"/> would use.</summary>
    public static UploadClaims Open(string? stateDirectory) =>
        new(Path.Combine(StateFolder.Resolve(stateDirectory), FolderName));

    /// <summary>The lock file that the claim of this file on this server takes (shared with the files on its slot).</summary>
    public string PathFor(Uri baseUrl, string fullName)
    {
        if (baseUrl is null) throw new ArgumentNullException(nameof(baseUrl));
        if (string.IsNullOrEmpty(fullName)) throw new ArgumentException("A full path is required.", nameof(fullName));
        // The journals' and the ledger's key, so all three agree on what "the same file on the same server" is.
        var hash = FileKey.HashOf(baseUrl, fullName);
        var slot = ((hash[0] << 8) | hash[1]) & (SlotCount - 1);
        return Path.Combine(Directory, slot.ToString("x4", CultureInfo.InvariantCulture) + ".lock");
    }

    /// <summary>
    /// Claims the file without waiting: the claim, or null when another holder (another process, or another thread
    /// or claim of this one) has it or a file on the same slot. Throws <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> when the claims' folder cannot be used at all.
    /// </summary>
    public UploadClaim? TryClaim(Uri baseUrl, string fullName)
    {
        var path = PathFor(baseUrl, fullName);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new UploadClaim(baseUrl, fullName,
                    new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None));
            }
            // The first claim finds no folder. .NET names ENOENT by looking for the folder after the open failed, so
            // when another thread created it in between, the same missing folder reads as a missing file.
            catch (IOException ex) when (attempt == 0 && ex is DirectoryNotFoundException or FileNotFoundException)
            {
                System.IO.Directory.CreateDirectory(Directory);
            }
            catch (IOException ex) when (IsHeldElsewhere(ex))
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Waits until the file can be claimed, trying every <paramref name="pollInterval"/> (default
    /// <see cref="DefaultPollInterval"/>). While it waits it reports how long it has waited to
    /// <paramref name="waiting"/>, first right after the first refusal, so a caller can say why it is idle.
    /// Throws <see cref="OperationCanceledException"/> when cancelled; nothing is held then.
    /// </summary>
    /// <param name="time">The clock the polls wait on (the call's); the system clock when null.</param>
    public async Task<UploadClaim> ClaimAsync(Uri baseUrl, string fullName, IProgress<TimeSpan>? waiting, CancellationToken cancellationToken,
        TimeSpan? pollInterval = null, TimeProvider? time = null)
    {
        var interval = pollInterval ?? DefaultPollInterval;
        time ??= TimeProvider.System;
        var started = time.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var claim = TryClaim(baseUrl, fullName);
            if (claim is not null) return claim;
            waiting?.Report(time.GetElapsedTime(started));
            await time.DelayAsync(interval, cancellationToken).ConfigureAwait(false);
        }
    }

    // The refusal of an open with FileShare.None, and nothing else: Windows reports ERROR_SHARING_VIOLATION (32) or
    // ERROR_LOCK_VIOLATION (33) as an HRESULT 0x8007xxxx; .NET on Unix reports flock's EWOULDBLOCK as the bare errno
    // (11 on Linux, 35 on macOS). Any other failure (no permission, a full disk) is thrown, not waited on forever.
    private static bool IsHeldElsewhere(IOException ex) =>
        ex.GetType() == typeof(IOException) && (s_isWindows ? (ex.HResult & 0xFFFF) is 32 or 33 : ex.HResult is 11 or 35);
}
