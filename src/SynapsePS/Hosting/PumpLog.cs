using System;
using System.Management.Automation;

namespace SynapsePS.Hosting;

/// <summary>Carries the engine's verbose lines and warnings to the pipeline thread.</summary>
internal sealed class PumpLog : IUploadLog
{
    private readonly PipelinePump _pump;
    private readonly Cmdlet _cmdlet;
    private readonly bool _verbose;

    public PumpLog(PipelinePump pump, PSCmdlet cmdlet)
    {
        _pump = pump;
        _cmdlet = cmdlet;
        // A line nobody will see is not queued: a rerun that skips a million files would otherwise post a million.
        _verbose = cmdlet.MyInvocation.BoundParameters.TryGetValue("Verbose", out var bound)
            ? ((SwitchParameter)bound).IsPresent
            : cmdlet.GetVariableValue("VerbosePreference") is ActionPreference preference
              && preference is not (ActionPreference.SilentlyContinue or ActionPreference.Ignore);
    }

    public void Verbose(string message)
    {
        if (_verbose) _pump.Post(() => _cmdlet.WriteVerbose(message));
    }

    public void Warning(string message) => _pump.Post(() => _cmdlet.WriteWarning(message));
}
