using System;

namespace SynapsePS.Commands.Hosting;

/// <summary>Carries the engine's verbose lines and warnings to the pipeline thread.</summary>
internal sealed class PumpLog : IUploadLog
{
    private readonly PipelinePump _pump;
    private readonly System.Management.Automation.Cmdlet _cmdlet;

    public PumpLog(PipelinePump pump, System.Management.Automation.Cmdlet cmdlet)
    {
        _pump = pump;
        _cmdlet = cmdlet;
    }

    public void Verbose(string message) => _pump.Post(() => _cmdlet.WriteVerbose(message));

    public void Warning(string message) => _pump.Post(() => _cmdlet.WriteWarning(message));
}

/// <summary>Keeps only the newest progress of one upload; the pipeline thread renders it on its own schedule.</summary>
internal sealed class LatestProgress : IProgress<UploadProgress>
{
    private UploadProgress? _latest;

    public UploadProgress? Latest => System.Threading.Volatile.Read(ref _latest);

    public void Report(UploadProgress value) => System.Threading.Volatile.Write(ref _latest, value);
}
