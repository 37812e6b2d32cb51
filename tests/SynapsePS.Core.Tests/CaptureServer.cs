using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace SynapsePS.Core.Tests;

/// <summary>
/// A loopback HTTP/1.1 endpoint that records each request's exact bytes and answers like a chunked-upload
/// server (upload id 'cap1'), so tests can compare the wire format with what Python requests sends.
/// </summary>
internal sealed class CaptureServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<CapturedRequest> _requests = Channel.CreateUnbounded<CapturedRequest>();
    private readonly CancellationTokenSource _stop = new();

    public CaptureServer()
    {
        _listener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _ = AcceptLoopAsync();
    }

    public Uri BaseUrl { get; }

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
        var stream = socket.GetStream();
        long offset = 0;
        while (true)
        {
            var head = await ReadHeadAsync(stream);
            if (head is null) return;
            var length = 0;
            foreach (var line in head.Split("\r\n"))
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) length = int.Parse(line[15..].Trim());
            var body = new byte[length];
            await stream.ReadExactlyAsync(body);
            await _requests.Writer.WriteAsync(new CapturedRequest(head, body));

            if (head.StartsWith("PUT", StringComparison.Ordinal))
            {
                var range = head.Split("\r\n").First(l => l.StartsWith("Content-Range:", StringComparison.Ordinal));
                var span = range["Content-Range: bytes ".Length..];          // START-END/TOTAL
                offset = long.Parse(span.Split('/')[0].Split('-')[1]) + 1;
            }
            var json = $"{{\"id\":\"cap1\",\"url\":\"{BaseUrl}chunked_upload/cap1/\",\"offset\":{offset},\"filename\":\"x\",\"status\":\"{(head.StartsWith("POST") ? "complete" : "uploading")}\",\"created_at\":\"2026-01-01T00:00:00Z\"}}";
            var reply = Encoding.UTF8.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(json)}\r\n\r\n{json}");
            await stream.WriteAsync(reply);
        }
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

internal sealed record CapturedRequest(string Head, byte[] Body);
