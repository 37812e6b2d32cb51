using System;

namespace SynapsePS.Hosting;

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
