using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SynapsePS.Core.Tests;

/// <summary>
/// A loopback HTTP endpoint that answers every request with one fixed status and body (a refusing proxy, a
/// redirect, or a listener that must never be contacted). It counts connections, so a client that only opens a
/// socket (or starts TLS) is counted too.
/// </summary>
internal sealed class FixedAnswerServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _answer;
    private int _requests;

    /// <param name="address">A loopback address to bind (127.0.0.1 unless given, e.g. 127.0.0.2).</param>
    /// <param name="extraHeaders">Header lines to add, e.g. "Location: http://…/".</param>
    public FixedAnswerServer(int status, string json, IPAddress? address = null, params string[] extraHeaders)
    {
        var extra = string.Concat(extraHeaders.Select(h => h + "\r\n"));
        _answer = Encoding.UTF8.GetBytes($"HTTP/1.1 {status} Refused\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json)}\r\n{extra}Connection: close\r\n\r\n{json}");
        _listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        _listener.Start();
        var endpoint = (IPEndPoint)_listener.LocalEndpoint;
        BaseUrl = new Uri($"http://{endpoint.Address}:{endpoint.Port}/");
        _ = AcceptAsync();
    }

    public Uri BaseUrl { get; }
    public int Port => BaseUrl.Port;
    public int RequestCount => Volatile.Read(ref _requests);

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                using var socket = await _listener.AcceptTcpClientAsync(_stop.Token);
                Interlocked.Increment(ref _requests);
                var stream = socket.GetStream();
                var buffer = new byte[4096];
                var head = new StringBuilder();
                while (!head.ToString().Contains("\r\n\r\n"))
                {
                    var n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0) break;
                    head.Append(Encoding.ASCII.GetString(buffer, 0, n));
                }
                await stream.WriteAsync(_answer, _stop.Token);
                socket.Client.Shutdown(SocketShutdown.Send);
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
        catch (SocketException) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
