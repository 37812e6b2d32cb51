using System;
using System.Collections.Generic;
using System.IO;

namespace SynapsePS;

/// <summary>
/// Whether a file can be uploaded, checked as the Python SDK's recipes check before an upload: it exists, is a
/// file, is not empty, is within the size limit, opens for reading, and its first KiB reads.
/// An invalid file is an answer (Valid = false with reasons), not an exception.
/// </summary>
public sealed class UploadFileCheck
{
    private UploadFileCheck(string path, bool valid, long? length, IReadOnlyList<string> reasons, SynapseErrorKind? problem)
    {
        Path = path;
        Valid = valid;
        Length = length;
        Reasons = reasons;
        Problem = problem;
    }

    public string Path { get; }
    public bool Valid { get; }
    public long? Length { get; }
    public IReadOnlyList<string> Reasons { get; }

    /// <summary>The failure kind (ErrorId) of the first reason, when invalid.</summary>
    public SynapseErrorKind? Problem { get; }

    /// <param name="path">A full file-system path.</param>
    /// <param name="maxBytes">The largest size allowed; null for no limit.</param>
    public static UploadFileCheck Run(string path, long? maxBytes)
    {
        var reasons = new List<string>();
        SynapseErrorKind? problem = null;
        void Fail(SynapseErrorKind kind, string reason)
        {
            problem ??= kind;
            reasons.Add(reason);
        }

        if (Directory.Exists(path))
        {
            Fail(SynapseErrorKind.NotAFile, "It is a directory, not a file.");
            return new UploadFileCheck(path, false, null, reasons, problem);
        }
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            Fail(SynapseErrorKind.PathNotFound, "It does not exist.");
            return new UploadFileCheck(path, false, null, reasons, problem);
        }

        var length = info.Length;
        if (length == 0) Fail(SynapseErrorKind.EmptyFile, "It is empty; a zero-byte file cannot be uploaded in chunks.");
        if (maxBytes is { } max && length > max)
            Fail(SynapseErrorKind.FileTooLarge, $"It is {length} bytes, more than the limit of {max} bytes.");

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            var head = new byte[1024];
            var want = (int)Math.Min(head.Length, length);
            var got = 0;
            while (got < want)
            {
                var n = stream.Read(head, got, want - got);
                if (n == 0) break;
                got += n;
            }
            if (got < want) Fail(SynapseErrorKind.FileUnreadable, $"Only {got} of its first {want} bytes could be read.");
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or System.Security.SecurityException)
        {
            Fail(SynapseErrorKind.FileUnreadable, $"It cannot be opened for reading: {ex.Message}");
        }

        return new UploadFileCheck(path, reasons.Count == 0, length, reasons, problem);
    }
}
