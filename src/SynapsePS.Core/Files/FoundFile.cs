using System;

namespace SynapsePS.Files;

/// <summary>
/// A file found by a <see cref="FileTree"/> walk, with the length and last-write time its directory entry gave,
/// so that a ledger lookup needs no second stat. A file that is a link carries the link's path and its target's
/// length and time, the values the upload reads when it opens the path.
/// </summary>
public sealed class FoundFile
{
    public FoundFile(string fullName, long length, DateTime lastWriteTimeUtc)
    {
        FullName = fullName;
        Length = length;
        LastWriteTimeUtc = lastWriteTimeUtc;
    }

    public string FullName { get; }
    public long Length { get; }
    public DateTime LastWriteTimeUtc { get; }

    public override string ToString() => FullName;
}
