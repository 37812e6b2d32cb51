using System.Collections.Generic;

namespace SynapsePS;

/// <summary>
/// Whether a file can be uploaded: it exists, is a regular file, is not empty, is within the size limit, opens
/// for reading and its first bytes read. An invalid file is an answer (Valid = false with reasons), not an error.
/// </summary>
public sealed class UploadFileCheck
{
    public UploadFileCheck(string path, bool valid, long? length, IReadOnlyList<string> reasons, SynapseErrorKind? problem)
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
}
