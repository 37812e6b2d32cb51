using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
#if NET8_0_OR_GREATER
using System.IO.Enumeration;
#endif

namespace SynapsePS.Files;

/// <summary>One entry of a folder as the walk needs it: a file to yield, a folder to enter, or a link to a folder to pass by.</summary>
internal readonly struct FolderEntry
{
    public enum Kinds { File, Folder, FolderLink }

    public FolderEntry(Kinds kind, string fullPath, long length, DateTime lastWriteTimeUtc)
    {
        Kind = kind;
        FullPath = fullPath;
        Length = length;
        LastWriteTimeUtc = lastWriteTimeUtc;
    }

    public Kinds Kind { get; }
    public string FullPath { get; }
    public long Length { get; }
    public DateTime LastWriteTimeUtc { get; }
}

/// <summary>
/// Lists one folder without recursing, streaming its entries from the directory handle: memory does not depend on
/// how many entries it holds. Hidden entries and file names the filter refuses are dropped here, before a full path
/// is built for them. Throws (IOException, UnauthorizedAccessException) when the folder cannot be opened; on
/// .NET Framework that happens at the first MoveNext instead, which the walk catches as well.
/// </summary>
internal static class FolderListing
{
#if NET8_0_OR_GREATER
    // Compatible with Get-ChildItem -Force at this level: nothing skipped by attribute, the filter decides.
    private static readonly EnumerationOptions Everything = new()
    {
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    public static IEnumerable<FolderEntry> List(string folder, FileTreeFilter filter) =>
        // The entry carries length and time from the directory read (Windows) or the one stat the runtime makes (Unix).
        new FileSystemEnumerable<FolderEntry>(folder, (ref FileSystemEntry entry) => Describe(ref entry), Everything)
        {
            ShouldIncludePredicate = (ref FileSystemEntry entry) =>
                filter.Shows(entry.Attributes) && (entry.IsDirectory || filter.TakesEveryName || filter.TakesName(entry.FileName.ToString())),
        };

    private static FolderEntry Describe(ref FileSystemEntry entry)
    {
        // Joined here, not with ToFullPath: that one copies into a fixed buffer and gives "" for a path longer than
        // PATH_MAX, so such a folder would be reported (and a file uploaded) under an empty name.
        var path = Path.Join(entry.Directory, entry.FileName);
        var isReparsePoint = (entry.Attributes & FileAttributes.ReparsePoint) != 0;
        if (entry.IsDirectory)
            return new(isReparsePoint && IsFolderLink(path) ? FolderEntry.Kinds.FolderLink : FolderEntry.Kinds.Folder, path, 0, default);
        return isReparsePoint ? Link(path) : new(FolderEntry.Kinds.File, path, entry.Length, entry.LastWriteTimeUtc.UtcDateTime);
    }
#else
    public static IEnumerable<FolderEntry> List(string folder, FileTreeFilter filter) =>
        Select(folder, new DirectoryInfo(folder).EnumerateFileSystemInfos(), filter);

    private static IEnumerable<FolderEntry> Select(string folder, IEnumerable<FileSystemInfo> infos, FileTreeFilter filter)
    {
        foreach (var info in infos)
        {
            // Joined here, not info.FullName: on a newer runtime that is "" for a path longer than PATH_MAX (as above).
            var path = Path.Combine(folder, info.Name);
            var attributes = info.Attributes;
            // All bits set: the entry went between the listing and its stat. A folder goes on to be opened, so that
            // its loss is reported as on .NET 8; a file is simply no longer there.
            if ((int)attributes == -1)
            {
                if (info is DirectoryInfo) yield return new(FolderEntry.Kinds.Folder, path, 0, default);
                continue;
            }
            if (!filter.Shows(attributes)) continue;
            var isReparsePoint = (attributes & FileAttributes.ReparsePoint) != 0;
            if (info is FileInfo file)
            {
                if (!filter.TakesName(file.Name)) continue;
                yield return isReparsePoint ? Link(path) : new(FolderEntry.Kinds.File, path, file.Length, file.LastWriteTimeUtc);
            }
            else
            {
                yield return new(isReparsePoint && IsFolderLink(path) ? FolderEntry.Kinds.FolderLink : FolderEntry.Kinds.Folder, path, 0, default);
            }
        }
    }
#endif

    /// <summary>
    /// A folder that is a symbolic link or junction, which the walk does not enter (no loops). On Windows a reparse
    /// point is not always a link (cloud-file placeholders are folders to walk); on Unix it always is. Without the
    /// link APIs (netstandard2.0) every reparse-point folder counts as a link: never a loop, at worst one not walked.
    /// </summary>
    public static bool IsFolderLink(string path)
    {
#if NET8_0_OR_GREATER
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return new DirectoryInfo(path).LinkTarget is not null;
#endif
        return true;
    }

    // A file that is a link: the target's figures; a broken link is still yielded (the upload then names the problem).
    private static FolderEntry Link(string path) =>
        LinkedFileStat.Read(path) is { } target
            ? new(FolderEntry.Kinds.File, path, target.Length, target.LastWriteTimeUtc)
            : new(FolderEntry.Kinds.File, path, 0, default);
}
