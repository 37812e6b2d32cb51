using System;

namespace SynapsePS.Commands.Hosting;

/// <summary>Keeps only the newest progress of one upload; the pipeline thread renders it on its own schedule.</summary>
internal sealed class LatestProgress : IProgress<UploadProgress>
{
    private UploadProgress? _latest;

    public UploadProgress? Latest => System.Threading.Volatile.Read(ref _latest);

    public void Report(UploadProgress value) => System.Threading.Volatile.Write(ref _latest, value);
}
