using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace SynapsePS.Files;

/// <summary>
/// The roots of a <see cref="FileTree"/> with every one dropped that another root's walk already reaches
/// (<c>-Path a, a/sub</c>, a file named beside its folder, the same path twice, a link to a folder inside another
/// root). Deciding it up front keeps the walk free of any memory of files seen. A root is only dropped when the
/// walk from the root above it really gets there: not through a hidden folder without force, not through a link.
/// Costs a hash lookup per level of each root's path, so a long list of roots stays cheap.
/// </summary>
internal sealed class FileTreeRoots
{
    // Case-insensitive where the usual file systems are (Windows, macOS); exact elsewhere.
    private static readonly StringComparer PathComparer =
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || RuntimeInformation.IsOSPlatform(OSPlatform.OSX)
            ? StringComparer.OrdinalIgnoreCase
            : StringComparer.Ordinal;

    private readonly FileTreeFilter _filter;
    private string? _lastFolder;
    private string? _lastRealFolder;

    public FileTreeRoots(IEnumerable<string> paths, FileTreeFilter filter)
    {
        _filter = filter;
        var folders = new List<(string Path, string Key)>();
        var files = new List<string>();
        foreach (var given in paths)
        {
            var path = Normalize(Path.GetFullPath(given));
            if (Directory.Exists(path)) folders.Add((path, Normalize(RealFolder(path))));
            else files.Add(path);
        }

        // The first root with a key is walked; the rest of its kind are the same folder.
        var walked = new HashSet<string>(PathComparer);
        var kept = new List<(string Path, string Key)>();
        foreach (var folder in folders)
            if (walked.Add(folder.Key)) kept.Add(folder);

        // Keys are real paths, so "below another root" is a matter of its ancestors' names.
        var folderList = new List<string>();
        foreach (var folder in kept)
            if (!ReachedFromAnother(folder.Key, walked, isFolder: true)) folderList.Add(folder.Path);

        var fileList = new List<string>();
        var seenFiles = new HashSet<string>(PathComparer);
        foreach (var file in files)
        {
            // A file named directly still answers to -Include/-Exclude, as Get-ChildItem's do.
            if (!_filter.TakesName(Path.GetFileName(file))) continue;
            var key = RealFile(file);
            if (seenFiles.Add(key) && !ReachedFromAnother(key, walked, isFolder: false)) fileList.Add(file);
        }

        Folders = folderList;
        Files = fileList;
    }

    public IReadOnlyList<string> Folders { get; }
    public IReadOnlyList<string> Files { get; }

    /// <summary>Whether the walk of some other root folder (one of <paramref name="roots"/> above this path) reaches it.</summary>
    private bool ReachedFromAnother(string path, HashSet<string> roots, bool isFolder)
    {
        for (var above = Path.GetDirectoryName(path); above is not null; above = Path.GetDirectoryName(above))
        {
            if (roots.Contains(Normalize(above)) && WalkReaches(Normalize(above), path, isFolder)) return true;
        }
        return false;
    }

    /// <summary>
    /// Whether the walk of <paramref name="root"/> yields (a file) or enters (a folder) <paramref name="path"/>:
    /// every folder between is shown by the filter and not a link, and so is the path itself.
    /// </summary>
    private bool WalkReaches(string root, string path, bool isFolder)
    {
        try
        {
            var isStep = isFolder;
            for (var step = path; step is not null && PathComparer.Compare(step, root) != 0; step = Path.GetDirectoryName(step), isStep = true)
            {
                var attributes = File.GetAttributes(step);
                if (!_filter.Shows(attributes)) return false;
                if (isStep && (attributes & FileAttributes.ReparsePoint) != 0 && FolderListing.IsFolderLink(step)) return false;
            }
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // Not reachable as far as we can tell: walking it twice is better than not at all.
        }
    }

    /// <summary>
    /// The folder a path names once every link along it is resolved (realpath), so that a root reached through a
    /// link is recognised inside the root that really holds it. Without the link APIs (netstandard2.0), the path.
    /// </summary>
    private static string RealFolder(string path, int depth = 0)
    {
#if NET8_0_OR_GREATER
        try
        {
            var root = Path.GetPathRoot(path) ?? string.Empty;
            var real = root;
            foreach (var part in path.Substring(root.Length).Split(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries))
            {
                real = Path.Combine(real, part);
                var info = new DirectoryInfo(real);
                // 40 links deep is where the kernel gives up too (ELOOP).
                if (info.LinkTarget is not null && depth < 40 && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
                    real = RealFolder(target.FullName, depth + 1);
            }
            return real;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
#endif
        return path;
    }

    /// <summary>A file's path with its folder resolved; consecutive files of one folder resolve it once.</summary>
    private string RealFile(string path)
    {
        var folder = Path.GetDirectoryName(path);
        if (folder is null) return path;
        if (!string.Equals(folder, _lastFolder, StringComparison.Ordinal))
        {
            _lastFolder = folder;
            _lastRealFolder = Normalize(RealFolder(folder));
        }
        return Path.Combine(_lastRealFolder!, Path.GetFileName(path));
    }

    private static string Normalize(string fullPath)
    {
        var root = Path.GetPathRoot(fullPath) ?? string.Empty;
        var trimmed = fullPath.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return trimmed.Length < root.Length ? root : trimmed;
    }
}
