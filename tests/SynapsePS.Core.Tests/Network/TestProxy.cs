using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SynapsePS.Core.Tests.Network;

/// <summary>
/// A forward proxy on loopback that really forwards: CONNECT tunnels and absolute-form http requests, to the names
/// it maps (and to loopback addresses) only; anything else gets 502 and is never contacted. With a user and
/// password it demands Basic proxy authentication (407 otherwise). It logs the first request of each connection.
/// </summary>
internal sealed class TestProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, int> _map = new(StringComparer.OrdinalIgnoreCase);
    private readonly string? _expectedAuthorization;
    private readonly ConcurrentQueue<string> _log = new();

    public TestProxy(string? user = null, string? password = null)
    {
        if (user is not null) _expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _ = AcceptAsync();
    }

    public Uri Url { get; }

    /// <summary>"METHOD target status" per proxied connection, oldest first.</summary>
    public IReadOnlyList<string> Log => _log.ToArray();

    /// <summary>Resolves <paramref name="name"/> to 127.0.0.1:<paramref name="port"/>.</summary>
    public TestProxy Map(string name, int port)
    {
        _map[name] = port;
        return this;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var stream = client.GetStream();
            var (head, rest) = await ReadHeadAsync(stream);
            if (head is null) return;
            var lines = head.Split("\r\n");
            var parts = lines[0].Split(' ');
            var (method, target) = (parts[0], parts[1]);
            var authorization = lines.Skip(1).FirstOrDefault(l => l.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase))?.Split(':', 2)[1].Trim();
            if (_expectedAuthorization is not null && authorization != _expectedAuthorization)
            {
                _log.Enqueue($"{method} {target} 407");
                await AnswerAsync(stream, "407 Proxy Authentication Required", "Proxy-Authenticate: Basic realm=\"test\"\r\n");
                return;
            }

            var connect = method == "CONNECT";
            var authority = connect ? target : new Uri(target).Authority;
            var endpoint = Resolve(authority);
            if (endpoint is null)
            {
                _log.Enqueue($"{method} {target} 502");
                await AnswerAsync(stream, "502 Bad Gateway", "");
                return;
            }
            _log.Enqueue($"{method} {target} forwarded");
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(endpoint, _stop.Token);
            var server = upstream.GetStream();
            if (connect) await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 Connection established\r\n\r\n"), _stop.Token);
            else await server.WriteAsync(Encoding.ASCII.GetBytes(head + "\r\n\r\n"), _stop.Token);   // Kestrel takes absolute-form targets
            if (rest.Length > 0) await server.WriteAsync(rest, _stop.Token);
            await Task.WhenAny(Relay.CopyAsync(stream, server, null, _stop.Token), Relay.CopyAsync(server, stream, null, _stop.Token));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException or UriFormatException) { }
    }

    private IPEndPoint? Resolve(string authority)
    {
        var colon = authority.LastIndexOf(':');
        var host = authority[..colon].Trim('[', ']');
        var port = int.Parse(authority[(colon + 1)..]);
        if (_map.TryGetValue(host, out var mapped)) return new IPEndPoint(IPAddress.Loopback, mapped);
        return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip) ? new IPEndPoint(ip, port) : null;
    }

    private async Task AnswerAsync(NetworkStream stream, string status, string headers) =>
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n"), _stop.Token);

    private async Task<(string? Head, byte[] Body)> ReadHeadAsync(NetworkStream stream)
    {
        var received = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            var n = await stream.ReadAsync(buffer, _stop.Token);
            if (n == 0) return (null, Array.Empty<byte>());
            received.Write(buffer, 0, n);
            var text = Encoding.ASCII.GetString(received.GetBuffer(), 0, (int)received.Length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0) return (text[..end], received.ToArray()[(end + 4)..]);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
