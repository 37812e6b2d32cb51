using System;
using System.Diagnostics;
using System.Management.Automation;

namespace SynapsePS.Hosting;

/// <summary>
/// The call's lines for runbooks, on the Information stream (tags SynapsePS, Status) where transcripts and Azure
/// Automation show them: one every -StatusIntervalSec when asked for, and always one when an outage begins (also a
/// warning) and one when it ends. Written on the pipeline thread: the outage events arrive through the pump.
/// </summary>
internal sealed class StatusReport : IDisposable
{
    private static readonly string[] s_tags = { "SynapsePS", "Status" };

    private readonly Cmdlet _cmdlet;
    private readonly SynapseUploadClient _client;
    private readonly PipelinePump _pump;
    private readonly Func<string> _line;
    private readonly TimeSpan? _interval;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _next;

    /// <param name="interval">How often <paramref name="line"/> is written; null for the outage lines only.</param>
    public StatusReport(Cmdlet cmdlet, SynapseUploadClient client, PipelinePump pump, Func<string> line, TimeSpan? interval)
    {
        (_cmdlet, _client, _pump, _line, _interval) = (cmdlet, client, pump, line, interval);
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
        _cmdlet.WriteWarning(message);
        Write(message);
    });

    private void OnOutageEnded(object? sender, string message) => _pump.Post(() => Write(message));

    private void Write(string line) => _cmdlet.WriteInformation(line, s_tags);
}
