using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace SynapsePS.DevServer.Proxy;

/// <summary>
/// A small HTTP/1.1 forward proxy on 127.0.0.1, for tests of clients behind a corporate proxy. It forwards
/// absolute-form requests (http://name:port/...) and opens CONNECT tunnels (for https), in both cases only to
/// the names of its map, which point to loopback: any other name gets 502 and is never resolved or contacted.
/// With credentials it demands Proxy-Authorization: Basic and answers 407 otherwise. Origin-form requests are
/// for the proxy itself: GET /_proxy/log and POST /_proxy/reset-log.
/// Each request: read the head, decide, then copy the streams both ways as they come.
/// </summary>
public sealed class ForwardProxy : IAsyncDisposable
{
    private const string Realm = "synapse-test";
    private static readonly JsonSerializerOptions s_web = new(JsonSerializerDefaults.Web);

    private readonly ForwardProxyOptions _options;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ProxyLogEntry> _log = new();
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();
    private readonly string? _expectedAuthorization;
    private Task _accepting = Task.CompletedTask;

    private ForwardProxy(ForwardProxyOptions options)
    {
        _options = options;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        if (options.ProxyUser is not null)
            _expectedAuthorization = Convert.ToBase64String(Encoding.UTF8.GetBytes(options.ProxyUser + ":" + options.ProxyPassword));
    }

    public Uri Url { get; private set; } = null!;
    public IReadOnlyList<ProxyLogEntry> Log => _log.ToArray();
    public void ResetLog() => _log.Clear();

    public static Task<ForwardProxy> StartAsync(ForwardProxyOptions options)
    {
        options.Validate();
        var proxy = new ForwardProxy(options);
        proxy._listener.Start(512);
        proxy.Url = new Uri($"http://127.0.0.1:{((IPEndPoint)proxy._listener.LocalEndpoint).Port}/");
        proxy._accepting = proxy.AcceptAsync();
        return Task.FromResult(proxy);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    /// <summary>One client connection: requests one after another (keep-alive) until it closes or turns into a tunnel.</summary>
    private async Task ServeAsync(Socket client)
    {
        var ct = _stop.Token;
        Track(client);
        var clientStream = new NetworkStream(client, ownsSocket: false);
        var input = new HttpInput(clientStream);
        var upstream = new UpstreamSlot(this);
        try
        {
            while (true)
            {
                var head = await input.ReadHeadAsync(ct);
                if (head is null) return;
                var (method, target) = head.RequestLine();
                var received = DateTimeOffset.UtcNow;
                var authGiven = head.Get("Proxy-Authorization") is not null;
                bool keepAlive;

                if (target.StartsWith('/'))
                {
                    keepAlive = await OwnApiAsync(input, clientStream, head, method, target, ct);
                }
                else if (!Authorized(head))
                {
                    AddToLog(received, method, TargetOf(method, target), PathOf(method, target), 407, authGiven, null);
                    keepAlive = await RefuseAsync(input, clientStream, head, 407, "Proxy authentication required.", ct,
                        ("Proxy-Authenticate", $"Basic realm=\"{Realm}\""));
                }
                else if (method == "CONNECT")
                {
                    await TunnelAsync(input, client, clientStream, head, target, received, authGiven, ct);
                    return;
                }
                else if (!Uri.TryCreate(target, UriKind.Absolute, out var url) || url.Scheme != "http")
                {
                    keepAlive = await RefuseAsync(input, clientStream, head, 400, "Only absolute http:// targets and CONNECT are proxied.", ct);
                }
                else if (Resolve(url.Host) is not { } endpoint)
                {
                    AddToLog(received, method, $"{url.Host}:{url.Port}", url.PathAndQuery, 502, authGiven, null);
                    keepAlive = await RefuseAsync(input, clientStream, head, 502, $"The proxy does not know '{url.Host}'.", ct);
                }
                else
                {
                    keepAlive = await ForwardAsync(input, clientStream, head, method, url, endpoint, upstream, received, authGiven, ct);
                }
                if (!keepAlive) return;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or InvalidDataException or OperationCanceledException or ObjectDisposedException)
        {
            // The client, the server or the proxy's stop ended the connection: nothing is left to answer.
        }
        finally
        {
            upstream.Dispose();
            Close(client);
        }
    }

    /// <summary>A plain-HTTP request: head in origin-form to the mapped server, then both bodies as they come.</summary>
    private async Task<bool> ForwardAsync(HttpInput clientIn, Stream clientOut, HttpHead head, string method, Uri url, IPEndPoint endpoint,
        UpstreamSlot slot, DateTimeOffset received, bool authGiven, CancellationToken ct)
    {
        var target = $"{url.Host}:{url.Port}";
        Upstream server;
        try
        {
            server = await slot.ConnectAsync(endpoint, ct);
        }
        catch (SocketException)
        {
            AddToLog(received, method, target, url.PathAndQuery, 502, authGiven, endpoint.ToString());
            return await RefuseAsync(clientIn, clientOut, head, 502, $"The proxy could not reach {target}.", ct);
        }

        await head.ForUpstream(method, url.PathAndQuery).WriteToAsync(server.Stream, ct);
        var (requestFraming, requestLength) = HttpInput.FramingOf(head, isResponse: false);
        // The request body goes up while the answer comes down: a server may answer 100 Continue first.
        var sending = clientIn.CopyBodyAsync(server.Stream, requestFraming, requestLength, ct);

        HttpHead response;
        int status;
        do
        {
            response = await server.Input.ReadHeadAsync(ct) ?? throw new IOException("The server closed the connection without an answer.");
            status = response.Status();
            await response.WriteToAsync(clientOut, ct);
        } while (status is >= 100 and < 200);
        AddToLog(received, method, target, url.PathAndQuery, status, authGiven, endpoint.ToString());

        var (responseFraming, responseLength) = HttpInput.FramingOf(response, isResponse: true, method, status);
        await server.Input.CopyBodyAsync(clientOut, responseFraming, responseLength, ct);
        await sending;

        var keepAlive = responseFraming != BodyFraming.UntilClose
                        && !response.HasToken("Connection", "close") && !head.HasToken("Connection", "close");
        if (!keepAlive) slot.Dispose();
        return keepAlive;
    }

    /// <summary>CONNECT name:port: a byte tunnel to the mapped server, open until either side closes.</summary>
    private async Task TunnelAsync(HttpInput clientIn, Socket client, Stream clientOut, HttpHead head, string target,
        DateTimeOffset received, bool authGiven, CancellationToken ct)
    {
        var colon = target.LastIndexOf(':');
        var host = colon > 0 ? target[..colon].Trim('[', ']') : target;
        if (Resolve(host) is not { } endpoint)
        {
            AddToLog(received, "CONNECT", target, null, 502, authGiven, null);
            await RefuseAsync(clientIn, clientOut, head, 502, $"The proxy does not know '{host}'.", ct);
            return;
        }

        using var slot = new UpstreamSlot(this);
        Upstream server;
        try
        {
            server = await slot.ConnectAsync(endpoint, ct);
        }
        catch (SocketException)
        {
            AddToLog(received, "CONNECT", target, null, 502, authGiven, endpoint.ToString());
            await RefuseAsync(clientIn, clientOut, head, 502, $"The proxy could not reach {target}.", ct);
            return;
        }
        AddToLog(received, "CONNECT", target, null, 200, authGiven, endpoint.ToString());
        await clientOut.WriteAsync("HTTP/1.1 200 Connection established\r\n\r\n"u8.ToArray(), ct);

        // Each direction runs until its sender closes, then passes the close on; an error ends both.
        using var broken = CancellationTokenSource.CreateLinkedTokenSource(ct);
        async Task PumpAsync(Func<Task> copy, Socket receiver)
        {
            try
            {
                await copy();
                receiver.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                await broken.CancelAsync();
            }
        }
        await Task.WhenAll(
            PumpAsync(() => clientIn.CopyAsync(server.Stream, null, broken.Token), server.Socket),
            PumpAsync(() => server.Input.CopyAsync(clientOut, null, broken.Token), client));
    }

    /// <summary>The proxy's own endpoints, for the tests: its log, and clearing it.</summary>
    private async Task<bool> OwnApiAsync(HttpInput input, Stream output, HttpHead head, string method, string target, CancellationToken ct)
    {
        var (framing, length) = HttpInput.FramingOf(head, isResponse: false);
        await input.CopyBodyAsync(Stream.Null, framing, length, ct);
        switch (method, target)
        {
            case ("GET", "/_proxy/log"):
                await AnswerAsync(output, 200, "OK", "application/json", JsonSerializer.SerializeToUtf8Bytes(Log, s_web), true, ct);
                break;
            case ("POST", "/_proxy/reset-log"):
                ResetLog();
                await AnswerAsync(output, 204, "No Content", null, [], true, ct);
                break;
            default:
                await AnswerAsync(output, 404, "Not Found", "text/plain", "Not a proxy endpoint."u8.ToArray(), true, ct);
                break;
        }
        return true;
    }

    /// <summary>
    /// Answers a request the proxy will not forward. Its body is read first, so that the connection can go on
    /// (and the client, still sending, never meets a reset); a client waiting for 100 Continue is closed on instead.
    /// </summary>
    private static async Task<bool> RefuseAsync(HttpInput input, Stream output, HttpHead head, int status, string why, CancellationToken ct,
        params (string Name, string Value)[] extra)
    {
        var keepAlive = !head.HasToken("Expect", "100-continue");
        if (keepAlive)
        {
            var (framing, length) = HttpInput.FramingOf(head, isResponse: false);
            await input.CopyBodyAsync(Stream.Null, framing, length, ct);
        }
        var reason = status switch { 400 => "Bad Request", 407 => "Proxy Authentication Required", _ => "Bad Gateway" };
        await AnswerAsync(output, status, reason, "text/plain", Encoding.UTF8.GetBytes(why), keepAlive, ct, extra);
        return keepAlive;
    }

    private static async Task AnswerAsync(Stream output, int status, string reason, string? contentType, byte[] body, bool keepAlive,
        CancellationToken ct, params (string Name, string Value)[] extra)
    {
        var head = new StringBuilder($"HTTP/1.1 {status} {reason}\r\n");
        if (contentType is not null) head.Append("Content-Type: ").Append(contentType).Append("\r\n");
        if (status != 204) head.Append("Content-Length: ").Append(body.Length).Append("\r\n");
        if (!keepAlive) head.Append("Connection: close\r\n");
        foreach (var (name, value) in extra) head.Append(name).Append(": ").Append(value).Append("\r\n");
        head.Append("\r\n");
        await output.WriteAsync(Encoding.Latin1.GetBytes(head.ToString()), ct);
        await output.WriteAsync(body, ct);
        await output.FlushAsync(ct);
    }

    private bool Authorized(HttpHead head)
    {
        if (_expectedAuthorization is null) return true;
        var given = head.Get("Proxy-Authorization");
        return given is not null && given.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)
               && given["Basic ".Length..].Trim() == _expectedAuthorization;
    }

    /// <summary>The only name resolution the proxy does: its map. Anything else is unknown.</summary>
    private IPEndPoint? Resolve(string host) => _options.Map.TryGetValue(host, out var endpoint) ? endpoint : null;

    private static string TargetOf(string method, string target) =>
        method == "CONNECT" || !Uri.TryCreate(target, UriKind.Absolute, out var url) ? target : $"{url.Host}:{url.Port}";

    private static string? PathOf(string method, string target) =>
        method != "CONNECT" && Uri.TryCreate(target, UriKind.Absolute, out var url) ? url.PathAndQuery : null;

    private void AddToLog(DateTimeOffset received, string method, string target, string? path, int status, bool authGiven, string? forwardedTo) =>
        _log.Enqueue(new ProxyLogEntry(received, method, target, path, status, authGiven, forwardedTo));

    private void Track(Socket socket) => _sockets[socket] = 0;

    private void Close(Socket socket)
    {
        _sockets.TryRemove(socket, out _);
        socket.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        foreach (var socket in _sockets.Keys) Close(socket);
        // _stop stays undisposed: connections still winding down may look at its (cancelled) token.
    }

    /// <summary>A connection to a mapped server.</summary>
    private sealed record Upstream(IPEndPoint Endpoint, Socket Socket, NetworkStream Stream, HttpInput Input);

    /// <summary>The server connection of one client connection, kept between its requests while the server keeps it open.</summary>
    private sealed class UpstreamSlot(ForwardProxy proxy) : IDisposable
    {
        private Upstream? _current;

        public async Task<Upstream> ConnectAsync(IPEndPoint endpoint, CancellationToken ct)
        {
            if (_current is { } open && open.Endpoint.Equals(endpoint) && !ClosedByPeer(open.Socket)) return open;
            Dispose();
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            proxy.Track(socket);
            try
            {
                await socket.ConnectAsync(endpoint, ct);
            }
            catch
            {
                proxy.Close(socket);
                throw;
            }
            var stream = new NetworkStream(socket, ownsSocket: false);
            return _current = new Upstream(endpoint, socket, stream, new HttpInput(stream));
        }

        /// <summary>An idle keep-alive connection that is readable has been closed (or broken) by the server.</summary>
        private static bool ClosedByPeer(Socket socket)
        {
            try { return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0; }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { return true; }
        }

        public void Dispose()
        {
            if (_current is null) return;
            proxy.Close(_current.Socket);
            _current = null;
        }
    }
}
