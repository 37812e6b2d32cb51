using System;
using System.Threading;
using SynapsePS.Upload;

namespace SynapsePS.Batch;

/// <summary>One of a batch's concurrent uploads: the file it is on, and that upload's latest progress.</summary>
public sealed class BatchLane
{
    private int _claimed;
    private string? _file;

    internal BatchLane(int index) => Index = index;

    /// <summary>0 to throttleLimit - 1; a renderer gives each lane its own progress bar.</summary>
    public int Index { get; }

    /// <summary>The file being uploaded, or null when the lane is idle.</summary>
    public string? File => Volatile.Read(ref _file);

    /// <summary>Length of the file being uploaded.</summary>
    public long Length { get; private set; }

    /// <summary>The newest progress of the current upload.</summary>
    public LatestProgress Progress { get; private set; } = new();

    internal bool TryClaim() => Interlocked.CompareExchange(ref _claimed, 1, 0) == 0;

    internal void Begin(string file, long length)
    {
        Progress = new LatestProgress();
        Length = length;
        Volatile.Write(ref _file, file);
    }

    internal void End()
    {
        Volatile.Write(ref _file, null);
        Volatile.Write(ref _claimed, 0);
    }
}

/// <summary>Hands each progress report of a one-lane call's upload to its lane and to the caller.</summary>
internal sealed class BothProgress(IProgress<UploadProgress> lane, IProgress<UploadProgress> caller) : IProgress<UploadProgress>
{
    public void Report(UploadProgress value)
    {
        lane.Report(value);
        caller.Report(value);
    }
}
