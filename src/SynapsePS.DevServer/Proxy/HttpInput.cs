using System.Globalization;
using System.Text;

namespace SynapsePS.DevServer.Proxy;

/// <summary>How the end of a message body is known (RFC 9112 6.3).</summary>
internal enum BodyFraming { None, Length, Chunked, UntilClose }

/// <summary>
/// The reading side of one HTTP/1.1 connection: message heads line by line, then body bytes, through one
/// buffer, so that bytes read past a head are never lost. Bodies are relayed as they come, never held whole.
/// </summary>
internal sealed class HttpInput(Stream stream)
{
    private const int MaxLine = 16 * 1024;
    private const int MaxFields = 200;

    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>The next message head, or null when the connection ends cleanly before one begins.</summary>
    public async Task<HttpHead?> ReadHeadAsync(CancellationToken ct)
    {
        string? start;
        do { start = await ReadLineAsync(ct); } while (start is "");   // stray CRLFs between messages are allowed
        if (start is null) return null;
        var fields = new List<KeyValuePair<string, string>>();
        while (true)
        {
            var line = await ReadLineAsync(ct) ?? throw new IOException("The connection ended inside a message head.");
            if (line.Length == 0) return new HttpHead(start, fields);
            var colon = line.IndexOf(':');
            if (colon <= 0 || fields.Count >= MaxFields) throw new InvalidDataException($"A bad header line: '{line}'.");
            fields.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }
    }

    public static (BodyFraming Framing, long Length) FramingOf(HttpHead head, bool isResponse, string requestMethod = "", int status = 0)
    {
        if (isResponse && (status is >= 100 and < 200 or 204 or 304 || requestMethod == "HEAD")) return (BodyFraming.None, 0);
        if (head.HasToken("Transfer-Encoding", "chunked")) return (BodyFraming.Chunked, 0);
        if (head.Get("Content-Length") is { } length)
            return long.TryParse(length, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? (n == 0 ? BodyFraming.None : BodyFraming.Length, n)
                : throw new InvalidDataException($"A bad Content-Length: '{length}'.");
        return (isResponse ? BodyFraming.UntilClose : BodyFraming.None, 0);
    }

    /// <summary>Relays one body to <paramref name="to"/> (Stream.Null to drain it), chunk framing included.</summary>
    public async Task CopyBodyAsync(Stream to, BodyFraming framing, long length, CancellationToken ct)
    {
        switch (framing)
        {
            case BodyFraming.Length:
                await CopyAsync(to, length, ct);
                break;
            case BodyFraming.UntilClose:
                await CopyAsync(to, null, ct);
                break;
            case BodyFraming.Chunked:
                while (true)
                {
                    var sizeLine = await ReadLineAsync(ct) ?? throw new IOException("The connection ended inside a chunked body.");
                    await WriteLineAsync(to, sizeLine, ct);
                    var hex = sizeLine.Split(';')[0].Trim();
                    if (!long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
                        throw new InvalidDataException($"A bad chunk size line: '{sizeLine}'.");
                    if (size == 0)
                    {
                        // Trailer fields, then the empty line that ends the body.
                        string trailer;
                        do
                        {
                            trailer = await ReadLineAsync(ct) ?? throw new IOException("The connection ended inside a chunked body.");
                            await WriteLineAsync(to, trailer, ct);
                        } while (trailer.Length > 0);
                        break;
                    }
                    await CopyAsync(to, size, ct);
                    if (await ReadLineAsync(ct) != "") throw new InvalidDataException("A chunk did not end with CRLF.");
                    await WriteLineAsync(to, "", ct);
                }
                break;
        }
        await to.FlushAsync(ct);
    }

    /// <summary>Reads what comes, buffered bytes first; 0 at the end of the stream.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> into, CancellationToken ct)
    {
        if (_start < _end)
        {
            var n = Math.Min(into.Length, _end - _start);
            _buffer.AsMemory(_start, n).CopyTo(into);
            _start += n;
            return n;
        }
        return await stream.ReadAsync(into, ct);
    }

    /// <summary>Copies <paramref name="count"/> bytes, or with null everything until the stream ends.</summary>
    public async Task CopyAsync(Stream to, long? count, CancellationToken ct)
    {
        var block = new byte[64 * 1024];
        var left = count ?? long.MaxValue;
        while (left > 0)
        {
            var n = await ReadAsync(block.AsMemory(0, (int)Math.Min(block.Length, left)), ct);
            if (n == 0)
            {
                if (count is null) return;
                throw new IOException("The connection ended inside a body.");
            }
            await to.WriteAsync(block.AsMemory(0, n), ct);
            if (count is not null) left -= n;
        }
    }

    /// <summary>One line without its CRLF (a bare LF is taken too), or null at a clean end of the stream.</summary>
    private async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var end = newline > _start && _buffer[newline - 1] == '\r' ? newline - 1 : newline;
                var line = Encoding.Latin1.GetString(_buffer, _start, end - _start);
                _start = newline + 1;
                return line;
            }
            if (_end - _start >= MaxLine) throw new InvalidDataException("A header line is too long.");
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            var n = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            if (n == 0)
            {
                if (_end == _start) return null;
                throw new IOException("The connection ended inside a line.");
            }
            _end += n;
        }
    }

    private static Task WriteLineAsync(Stream to, string line, CancellationToken ct) =>
        to.WriteAsync(Encoding.Latin1.GetBytes(line + "\r\n"), ct).AsTask();
}
