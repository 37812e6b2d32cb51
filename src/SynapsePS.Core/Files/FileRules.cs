using System;
using System.Collections.Generic;
using System.IO;

namespace SynapsePS.Files;

/// <summary>
/// The one answer to "can this file be uploaded?": it exists, is a regular file, is not empty, is within the size
/// limit, opens for reading with the sharing the upload uses, and its first bytes read. Test-SynapseUploadFile
/// and the engine both ask here, so they can never disagree.
/// </summary>
public static class FileRules
{
    private const int HeadBytes = 1024;

    /// <summary>Checks a file without keeping it open; every failed rule becomes a reason.</summary>
    public static UploadFileCheck Check(string fullName, long? maxBytes)
    {
        var check = Evaluate(fullName, maxBytes, out var stream, out _);
        stream?.Dispose();
        return check;
    }

    /// <summary>The failure of a file that breaks the rules, naming every rule it breaks.</summary>
    internal static SynapseClientException Refusal(UploadFileCheck check) =>
        new(check.Problem ?? SynapseErrorKind.FileUnreadable, $"'{check.Path}' cannot be uploaded: {string.Join(" ", check.Reasons)}",
            filePath: check.Path);

    /// <summary>
    /// Checks a file; when it passes, <paramref name="stream"/> is the file opened the way the upload reads it
    /// (read-only, sharing everything: a writer is caught by the length and time checks), else null. The length is
    /// the opened handle's and <paramref name="lastWriteTimeUtc"/> the target's when the path is a link: the figures
    /// of the bytes the upload reads, never the link's own (whose length is that of the target's path).
    /// </summary>
    internal static UploadFileCheck Evaluate(string path, long? maxBytes, out FileStream? stream, out DateTime lastWriteTimeUtc)
    {
        stream = null;
        lastWriteTimeUtc = default;
        var reasons = new List<string>();
        SynapseErrorKind? problem = null;
        UploadFileCheck Answer(long? length) => new(path, reasons.Count == 0, length, reasons, problem);
        void Fail(SynapseErrorKind kind, string reason)
        {
            problem ??= kind;
            reasons.Add(reason);
        }

        if (Directory.Exists(path))
        {
            Fail(SynapseErrorKind.NotAFile, "It is a directory, not a file.");
            return Answer(null);
        }
        FoundFile? target;
        try
        {
            target = LinkedFileStat.Read(path);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or System.Security.SecurityException)
        {
            // A link loop or a target that cannot be reached.
            Fail(SynapseErrorKind.FileUnreadable, $"It cannot be read: {ex.Message}");
            return Answer(null);
        }
        if (target is null)
        {
            Fail(SynapseErrorKind.PathNotFound, "It does not exist.");
            return Answer(null);
        }
        // A FIFO would block the open below, and a device or /proc file has no fixed length to upload.
        if (UnixFileType.Of(path) is { } type and not UnixFileType.Kind.Regular)
        {
            Fail(SynapseErrorKind.NotAFile, $"It is not a regular file (a {UnixFileType.Describe(type)}).");
            return Answer(null);
        }

        var length = target.Length;
        lastWriteTimeUtc = target.LastWriteTimeUtc;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.SequentialScan);
            length = stream.Length;
            var head = new byte[HeadBytes];
            var got = 0;
            while (got < head.Length)
            {
                var n = stream.Read(head, got, head.Length - got);
                if (n == 0) break;
                got += n;
            }
            if (length == 0 && got > 0)
                Fail(SynapseErrorKind.NotAFile, "It is not a regular file: it reports no length but has content (a pseudo-file such as those under /proc).");
            else if (length == 0)
                Fail(SynapseErrorKind.EmptyFile, "It is empty; a zero-byte file cannot be uploaded in chunks.");
            else if (got < Math.Min(HeadBytes, length))
                Fail(SynapseErrorKind.FileUnreadable, $"Only {got} of its first {Math.Min(HeadBytes, length)} bytes could be read.");
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or System.Security.SecurityException)
        {
            Fail(SynapseErrorKind.FileUnreadable, $"It cannot be opened for reading: {ex.Message}");
        }
        if (maxBytes is { } max && length > max)
            Fail(SynapseErrorKind.FileTooLarge, $"It is {length} bytes, more than the limit of {max} bytes.");

        if (reasons.Count > 0)
        {
            stream?.Dispose();
            stream = null;
        }
        return Answer(length);
    }
}
