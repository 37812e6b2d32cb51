using System;

namespace SynapsePS;

/// <summary>What an upload is doing right now.</summary>
public enum UploadPhase
{
    /// <summary>Hashing the part of the file the server already holds (resume).</summary>
    Verifying,
    Uploading,
    Finishing,
    Completed,
    /// <summary>Another call on this machine is uploading the file; <see cref="UploadProgress.Elapsed"/> is how long this one has waited.</summary>
    WaitingForAnotherRun,
}

/// <summary>A snapshot of one upload's progress. Immutable, so a consumer may keep the latest one.</summary>
public sealed class UploadProgress
{
    public UploadProgress(string fullName, UploadPhase phase, long bytesDone, long totalBytes, TimeSpan elapsed, long bytesThisRun)
    {
        FullName = fullName;
        Phase = phase;
        BytesDone = bytesDone;
        TotalBytes = totalBytes;
        Elapsed = elapsed;
        BytesThisRun = bytesThisRun;
    }

    public string FullName { get; }
    public UploadPhase Phase { get; }

    /// <summary>Bytes of the file handled in this phase (hashed when verifying, sent when uploading).</summary>
    public long BytesDone { get; }
    public long TotalBytes { get; }
    public TimeSpan Elapsed { get; }

    /// <summary>Bytes moved by this run of the phase, for the speed (a resumed upload starts past zero).</summary>
    public long BytesThisRun { get; }

    public int PercentComplete => TotalBytes <= 0 ? 100 : (int)Math.Min(100, BytesDone * 100 / TotalBytes);

    public double BytesPerSecond => Elapsed.TotalSeconds > 0 ? BytesThisRun / Elapsed.TotalSeconds : 0;

    public TimeSpan? Remaining
    {
        get
        {
            var speed = BytesPerSecond;
            return speed > 0 ? TimeSpan.FromSeconds((TotalBytes - BytesDone) / speed) : null;
        }
    }
}
