using System;
using System.Linq;
using System.Management.Automation;
using SynapsePS.Files;

namespace SynapsePS.Hosting;

/// <summary>
/// -Include, -Exclude and -Force as a walk filter, matched with PowerShell's own WildcardPattern and case-insensitive
/// as the FileSystem provider matches them, so a pattern takes the same names here as in Get-ChildItem.
/// </summary>
internal static class FileNamePatterns
{
    public static FileTreeFilter Filter(string[]? include, string[]? exclude, bool force) =>
        new(AnyOf(include), AnyOf(exclude), force);

    private static Func<string, bool>? AnyOf(string[]? patterns)
    {
        if (patterns is null || patterns.Length == 0) return null;
        var compiled = patterns.Select(p => WildcardPattern.Get(p, WildcardOptions.IgnoreCase)).ToArray();
        return name =>
        {
            foreach (var pattern in compiled)
                if (pattern.IsMatch(name)) return true;
            return false;
        };
    }
}
