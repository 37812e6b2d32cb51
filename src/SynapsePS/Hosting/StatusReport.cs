using System;
using System.Diagnostics;
using System.Management.Automation;

namespace SynapsePS.Hosting;

/// <summary>
/// The call's lines for runbooks: one every -StatusIntervalSec when asked for, and always one when an outage begins
/// (also a warning) and one when it ends. They go to the stream <see cref="StatusStreams"/> chose: Information (tags
/// SynapsePS, Status) by default, Warning inside an Azure Automation job. Written on the pipeline thread: the outage
/// events arrive through the pump.
/// </summary>
internal sealed class StatusReport : IDisposable
{
    private static readonly string[] s_tags = { "SynapsePS", "Status" };

    private readonly Cmdlet _cmdlet;
    private readonly SynapseUploadClient _client;
    private readonly PipelinePump _pump;
    private readonly Func<string> _line;
    private readonly TimeSpan? _interval;
    private readonly StatusStream _stream;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _next;

    /// <param name="interval">How often <paramref name="line"/> is written; null for the outage lines only.</param>
    /// <param name="stream">Where the lines go; not <see cref="StatusStream.Auto"/> (<see cref="StatusStreams.Resolve"/> decides that).</param>
    public StatusReport(Cmdlet cmdlet, SynapseUploadClient client, PipelinePump pump, Func<string> line, TimeSpan? interval,
        StatusStream stream)
    {
        (_cmdlet, _client, _pump, _line, _interval, _stream) = (cmdlet, client, pump, line, interval, stream);
        _next = interval ?? TimeSpan.MaxValue;
        client.OutageBegan += OnOutageBegan;
        client.OutageEnded += OnOutageEnded;
    }

    /// <summary>On the pipeline thread, a few times a second: writes the status line when it is due.</summary>
    public void Tick()
    {
        if (_interval is not { } interval || _clock.Elapsed < _next) return;
        _next = _clock.Elapsed + interval;
        Write(_line());
    }

    public void Dispose()
    {
        _client.OutageBegan -= OnOutageBegan;
        _client.OutageEnded -= OnOutageEnded;
    }

    private void OnOutageBegan(object? sender, string message) => _pump.Post(() =>
    {
        if (_stream != StatusStream.Warning) _cmdlet.WriteWarning(message);
        Write(message);
    });

    private void OnOutageEnded(object? sender, string message) => _pump.Post(() => Write(message));

    private void Write(string line)
    {
        switch (_stream)
        {
            case StatusStream.Warning: _cmdlet.WriteWarning(line); break;
            case StatusStream.Output: _cmdlet.WriteObject(line); break;
            case StatusStream.Verbose: _cmdlet.WriteVerbose(line); break;
            default: _cmdlet.WriteInformation(line, s_tags); break;
        }
    }
}
