using System;

namespace SynapsePS.Resume;

/// <summary>
/// What a later run needs to continue an interrupted upload: one small JSON file per (server, local file),
/// rewritten atomically after every acknowledged chunk and removed after the finish. It never holds a token.
/// </summary>
internal sealed class JournalEntry : IKeyedRecord
{
    public int Version { get; set; } = 1;
    public string BaseUrl { get; set; } = "";
    public string UploadUrl { get; set; } = "";
    public string UploadId { get; set; } = "";
    public string FullName { get; set; } = "";
    public long Length { get; set; }
    public DateTime LastWriteTimeUtc { get; set; }
    public long Offset { get; set; }
    public DateTime UpdatedUtc { get; set; }
}
