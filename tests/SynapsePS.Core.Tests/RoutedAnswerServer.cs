using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SynapsePS.Core.Tests;

/// <summary>
/// A loopback HTTP endpoint that answers each request by its path and query from a fixed table (404 for the rest)
/// and keeps every request target, for replies the dev server does not give (pages, odd links, huge bodies).
/// </summary>
internal sealed class RoutedAnswerServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, string> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _targets = new();

    public RoutedAnswerServer()
    {
        _listener.Start();
        Origin = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _ = AcceptAsync();
    }

    /// <summary>scheme://host:port/ of this server.</summary>
    public Uri Origin { get; }

    /// <summary>The request targets (path and query) received, in order.</summary>
    public IReadOnlyList<string> Targets => _targets.ToArray();

    /// <summary>Answers GET <paramref name="pathAndQuery"/> with 200 and <paramref name="json"/>.</summary>
    public void Answer(string pathAndQuery, string json) => _answers[pathAndQuery] = json;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                using var socket = await _listener.AcceptTcpClientAsync(_stop.Token);
                var stream = socket.GetStream();
                var buffer = new byte[4096];
                var head = new StringBuilder();
                while (!head.ToString().Contains("\r\n\r\n"))
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0) break;
                    head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                var target = head.ToString().Split(' ') is { Length: > 1 } parts ? parts[1] : "";
                _targets.Enqueue(target);
                var (status, json) = _answers.TryGetValue(target, out var body) ? (200, body) : (404, """{"detail": "Not found."}""");
                var bytes = Encoding.UTF8.GetBytes(json);
                var header = Encoding.ASCII.GetBytes($"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(header, _stop.Token);
                await stream.WriteAsync(bytes, _stop.Token);
                socket.Client.Shutdown(SocketShutdown.Send);
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
        catch (SocketException) { }
        catch (IOException) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
