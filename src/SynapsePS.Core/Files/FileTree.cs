using System;
using System.Collections.Generic;
using System.IO;
using System.Security;

namespace SynapsePS.Files;

/// <summary>
/// The files below some folders (and some files named directly), walked the way Get-ChildItem -Recurse -File
/// walks them: hidden entries only with force, include/exclude on file names, links to folders not entered,
/// files that are links yielded by their own path. Memory is the roots plus one open listing per level of depth,
/// never the number of files: files stream out as each folder is read, and no file is remembered.
/// Each file is yielded once because roots that another root's walk already covers are dropped up front
/// (<see cref="FileTreeRoots"/>); a tree without followed links reaches every file by one path only.
/// </summary>
public sealed class FileTree
{
    private readonly FileTreeRoots _roots;

    /// <param name="paths">Full or relative paths of folders and files; each is taken as given (a folder that is
    /// itself a link or hidden is still walked, a hidden file named directly is still yielded).</param>
    public FileTree(IEnumerable<string> paths, FileTreeFilter filter)
    {
        Filter = filter ?? throw new ArgumentNullException(nameof(filter));
        _roots = new FileTreeRoots(paths ?? throw new ArgumentNullException(nameof(paths)), filter);
    }

    public FileTreeFilter Filter { get; }

    /// <summary>The folders that will be walked, after overlapping ones were dropped, in the order given.</summary>
    public IReadOnlyList<string> Folders => _roots.Folders;

    /// <summary>The files named directly that no walked folder reaches, in the order given.</summary>
    public IReadOnlyList<string> Files => _roots.Files;

    /// <summary>
    /// Streams every file, lazily: each is yielded as soon as its folder entry is read. A root or folder that cannot
    /// be read is passed to <paramref name="unreadable"/> (its path and the error) and the walk goes on; without a
    /// callback it is passed over silently (as a counting pass wants). Each call is its own walk, so a count can run
    /// beside the upload's walk; the filter's name tests are then called from both threads (WildcardPattern.IsMatch
    /// is safe for that).
    /// </summary>
    public IEnumerable<FoundFile> Walk(Action<string, Exception>? unreadable = null)
    {
        foreach (var path in _roots.Files)
        {
            var found = StatFile(path, unreadable);
            if (found is not null) yield return found;
        }
        foreach (var folder in _roots.Folders)
        {
            // Depth-first with one open listing per level: a folder is read to its end in one go only when it
            // holds no folders, so no queue of pending folders grows with the width of the tree.
            var open = new Stack<(string Folder, IEnumerator<FolderEntry> Entries)>();
            try
            {
                var top = Open(folder, unreadable);
                if (top is not null) open.Push((folder, top));
                while (open.Count > 0)
                {
                    var (current, entries) = open.Peek();
                    if (!MoveNext(current, entries, unreadable))
                    {
                        open.Pop().Entries.Dispose();
                        continue;
                    }
                    var entry = entries.Current;
                    switch (entry.Kind)
                    {
                        case FolderEntry.Kinds.File:
                            yield return new FoundFile(entry.FullPath, entry.Length, entry.LastWriteTimeUtc);
                            break;
                        case FolderEntry.Kinds.Folder:
                            var below = Open(entry.FullPath, unreadable);
                            if (below is not null) open.Push((entry.FullPath, below));
                            break;
                    }
                }
            }
            finally
            {
                while (open.Count > 0) open.Pop().Entries.Dispose();
            }
        }
    }

    private IEnumerator<FolderEntry>? Open(string folder, Action<string, Exception>? unreadable)
    {
        try
        {
            return FolderListing.List(folder, Filter).GetEnumerator();
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            unreadable?.Invoke(folder, ex);
            return null;
        }
    }

    private static bool MoveNext(string folder, IEnumerator<FolderEntry> entries, Action<string, Exception>? unreadable)
    {
        try
        {
            return entries.MoveNext();
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            unreadable?.Invoke(folder, ex);
            return false;
        }
    }

    private static FoundFile? StatFile(string path, Action<string, Exception>? unreadable)
    {
        try
        {
            if (LinkedFileStat.Read(path) is { } found) return found;
            unreadable?.Invoke(path, new FileNotFoundException($"Cannot find '{path}'.", path));
        }
        catch (Exception ex) when (IsReadFailure(ex))
        {
            unreadable?.Invoke(path, ex);
        }
        return null;
    }

    private static bool IsReadFailure(Exception ex) => ex is IOException or UnauthorizedAccessException or SecurityException;
}
