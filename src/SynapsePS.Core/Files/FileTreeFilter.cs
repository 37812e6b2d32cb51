using System;
using System.IO;

namespace SynapsePS.Files;

/// <summary>
/// Which files a walk takes, as Get-ChildItem's -Include, -Exclude and -Force decide it. The name tests are
/// delegates so that the cmdlet builds them from PowerShell's own WildcardPattern: the same semantics as
/// Get-ChildItem (escapes, brackets, case rules) with no second matcher to drift from it.
/// </summary>
public sealed class FileTreeFilter
{
    /// <summary>Every file that is not hidden: Get-ChildItem -Recurse -File with no other parameter.</summary>
    public static readonly FileTreeFilter Default = new(include: null, exclude: null, force: false);

    private readonly Func<string, bool>? _include;
    private readonly Func<string, bool>? _exclude;

    /// <param name="include">True for a file name to take (it matches one of the -Include patterns); null takes every name.</param>
    /// <param name="exclude">True for a file name to leave out (it matches one of the -Exclude patterns); wins over include.</param>
    /// <param name="force">Also hidden and system files and folders (on Unix a name that starts with a dot is hidden).</param>
    public FileTreeFilter(Func<string, bool>? include, Func<string, bool>? exclude, bool force)
    {
        _include = include;
        _exclude = exclude;
        Force = force;
    }

    public bool Force { get; }

    /// <summary>True when no name is tested, so a listing need not even make a string of the name.</summary>
    public bool TakesEveryName => _include is null && _exclude is null;

    /// <summary>Whether a file with this name is taken. Applies to file names only; folders are always walked.</summary>
    public bool TakesName(string fileName) =>
        (_include is null || _include(fileName)) && (_exclude is null || !_exclude(fileName));

    /// <summary>Whether an entry with these attributes is seen at all: hidden and system ones only with force.</summary>
    public bool Shows(FileAttributes attributes) =>
        Force || (attributes & (FileAttributes.Hidden | FileAttributes.System)) == 0;
}
