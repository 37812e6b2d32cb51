using System;
using System.Threading;

namespace SynapsePS.Upload;

/// <summary>Keeps only the newest progress of one upload; a renderer reads it on its own schedule.</summary>
public sealed class LatestProgress : IProgress<UploadProgress>
{
    private UploadProgress? _latest;

    public UploadProgress? Latest => Volatile.Read(ref _latest);

    public void Report(UploadProgress value) => Volatile.Write(ref _latest, value);
}
