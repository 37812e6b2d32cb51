using System;
using System.IO;

namespace SynapsePS.Files;

/// <summary>
/// The length and last-write time of the file a path opens. FileInfo describes a link itself (on Unix its length is
/// the length of the target's path), but reading the path reads the target, so a link's figures come from the target.
/// </summary>
internal static class LinkedFileStat
{
    /// <summary>The file's figures, or null if it does not exist (a link whose target is gone).</summary>
    public static FoundFile? Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return null;
        if ((info.Attributes & FileAttributes.ReparsePoint) == 0) return new FoundFile(path, info.Length, info.LastWriteTimeUtc);
#if NET8_0_OR_GREATER
        return File.ResolveLinkTarget(path, returnFinalTarget: true) is FileInfo { Exists: true } target
            ? new FoundFile(path, target.Length, target.LastWriteTimeUtc)
            : null;
#else
        // No link API here: the length from the opened target, the time of the link itself (a stable value all the same).
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            return new FoundFile(path, stream.Length, info.LastWriteTimeUtc);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
#endif
    }
}
