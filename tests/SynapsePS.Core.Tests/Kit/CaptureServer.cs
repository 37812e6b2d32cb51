using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace SynapsePS.Core.Tests.Kit;

/// <summary>
/// A loopback HTTP/1.1 endpoint that records each request's exact bytes: what the dev server must never do, and
/// so the one hand-written server of the kit. It answers like a drf-chunked-upload server holding one upload, so
/// tests can compare the wire format with what Python requests sends and script the record shapes a server may
/// return (integer ids, a url on another origin, a finish reply's checksum/size); <see cref="Answer"/> scripts
/// the answer to one path outright (listing pages, odd links, huge bodies, a redirect), <see cref="HangUp"/> its
/// silence.
/// </summary>
internal sealed class CaptureServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly Channel<CapturedRequest> _requests = Channel.CreateUnbounded<CapturedRequest>();
    private readonly List<CapturedRequest> _log = new();
    private readonly ConcurrentDictionary<string, byte[]> _script = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _hangUps = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private long _offset;

    /// <param name="basePath">The path of the base URL, ending in '/'.</param>
    public CaptureServer(string basePath = "/", IPAddress? address = null)
    {
        _listener = new TcpListener(address ?? IPAddress.Loopback, 0);
        _listener.Start();
        var endpoint = (IPEndPoint)_listener.LocalEndpoint;
        BaseUrl = new Uri($"http://{endpoint.Address}:{endpoint.Port}{basePath}");
        _ = AcceptLoopAsync();
    }

    public Uri BaseUrl { get; }

    /// <summary>The upload's id as JSON text: a string (stock drf) or a number (Synapse).</summary>
    public string IdJson { get; init; } = "\"cap1\"";

    /// <summary>The base the records' url is built on (a proxy's internal address); the server's own by default.</summary>
    public Uri? AdvertisedBase { get; set; }

    /// <summary>Whether the records carry no url at all.</summary>
    public bool OmitUrl { get; init; }

    /// <summary>More members of the finish reply, e.g. <c>"checksum": "…", "size": 5</c>.</summary>
    public string? FinishExtraJson { get; init; }

    public string IdText => IdJson.Trim('"');

    /// <summary>
    /// Answers every request for <paramref name="pathAndQuery"/> (as sent in the request line) with this status,
    /// JSON body and extra header lines ("Location: …"), instead of the drf answer.
    /// </summary>
    public void Answer(string pathAndQuery, string json, int status = 200, params string[] headers)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var head = $"HTTP/1.1 {status} Scripted\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n"
                   + string.Concat(headers.Select(h => h + "\r\n")) + "\r\n";
        _script[pathAndQuery] = Encoding.ASCII.GetBytes(head).Concat(body).ToArray();
    }

    /// <summary>
    /// Takes every request for <paramref name="pathAndQuery"/> whole and closes the connection without a word: a
    /// server process that stops while the request waits for its answer.
    /// </summary>
    public void HangUp(string pathAndQuery) => _hangUps[pathAndQuery] = true;

    /// <summary>Every request so far, oldest first.</summary>
    public IReadOnlyList<CapturedRequest> Requests { get { lock (_log) return _log.ToArray(); } }

    public async Task<CapturedRequest> NextRequestAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await _requests.Reader.ReadAsync(timeout.Token);
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(socket);
            }
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    private async Task ServeAsync(TcpClient socket)
    {
        using var _ = socket;
        try
        {
            var stream = socket.GetStream();
            while (true)
            {
                var head = await ReadHeadAsync(stream);
                if (head is null) return;
                var length = 0;
                foreach (var line in head.Split("\r\n"))
                    if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line[15..].Trim());
                var body = new byte[length];
                await stream.ReadExactlyAsync(body);
                var request = new CapturedRequest(head, body);
                lock (_log) _log.Add(request);
                await _requests.Writer.WriteAsync(request);

                if (_hangUps.ContainsKey(request.Path)) return;
                if (_script.TryGetValue(request.Path, out var scripted))
                {
                    await stream.WriteAsync(scripted);
                    continue;
                }
                if (request.Method == "PUT")
                {
                    var range = request.Header("Content-Range")!;           // bytes START-END/TOTAL
                    var span = range["bytes ".Length..];
                    Interlocked.Exchange(ref _offset, long.Parse(span.Split('/')[0].Split('-')[1]) + 1);
                }
                var json = RecordJson(finished: request.Method == "POST");
                var reply = Encoding.UTF8.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}");
                await stream.WriteAsync(reply);
            }
        }
        catch (IOException) { }
        catch (SocketException) { }
    }

    private string RecordJson(bool finished)
    {
        var url = OmitUrl ? "" : $"\"url\": \"{new Uri(AdvertisedBase ?? BaseUrl, $"chunked_upload/{IdText}/")}\", ";
        var extra = finished && FinishExtraJson is not null ? ", " + FinishExtraJson : "";
        return $"{{\"id\": {IdJson}, {url}\"file\": null, \"filename\": \"x\", \"offset\": {Interlocked.Read(ref _offset)}, "
               + $"\"created_at\": \"2026-01-01T00:00:00Z\", \"status\": {(finished ? 2 : 1)}, "
               + $"\"completed_at\": {(finished ? "\"2026-01-01T00:00:01Z\"" : "null")}, \"user\": 1{extra}}}";
    }

    private static async Task<string?> ReadHeadAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0) return null;
            bytes.Add(one[0]);
            var n = bytes.Count;
            if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n')
                return Encoding.UTF8.GetString(bytes.ToArray());
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}

/// <summary>One request's head (request line and headers, as sent) and body bytes.</summary>
internal sealed record CapturedRequest(string Head, byte[] Body)
{
    public string Method => Head[..Head.IndexOf(' ')];

    public string Path => Head.Split(' ')[1];

    /// <summary>The header lines after the request line, in order, with their names as sent.</summary>
    public IReadOnlyList<(string Name, string Value)> Headers =>
        Head.Split("\r\n").Skip(1).Where(l => l.Length > 0)
            .Select(l => (l[..l.IndexOf(':')], l[(l.IndexOf(':') + 1)..].Trim())).ToList();

    public string? Header(string name) =>
        Headers.Where(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();
}
