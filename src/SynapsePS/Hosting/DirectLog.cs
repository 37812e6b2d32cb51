using System.Management.Automation;

namespace SynapsePS.Hosting;

/// <summary>The engine's log for work done on the pipeline thread itself (no pump needed).</summary>
internal sealed class DirectLog : IUploadLog
{
    private readonly Cmdlet _cmdlet;

    public DirectLog(Cmdlet cmdlet) => _cmdlet = cmdlet;

    public void Verbose(string message) => _cmdlet.WriteVerbose(message);

    public void Warning(string message) => _cmdlet.WriteWarning(message);
}
