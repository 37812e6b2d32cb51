using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace SynapsePS.DevServer;

/// <summary>
/// A streaming multipart/form-data reader over the request's PipeReader, made for large file parts: the
/// delimiter is found with a vectorized search and part bytes are handed on as they arrive, never buffered whole.
/// Used with --multipart-reader custom; the benchmark's Multipart section weighs it against the framework's
/// MultipartReader, the default since it measured no gain worth a second reader (docs/performance.md).
/// </summary>
internal sealed class MultipartChunkReader(PipeReader reader, string boundary) : IMultipartParts
{
    private readonly byte[] _delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);
    private bool _started;
    private bool _finished;

    /// <summary>The next part's headers (names lower-cased), or null after the closing delimiter.</summary>
    public async Task<Dictionary<string, string>?> NextPartAsync(CancellationToken ct)
    {
        if (_finished) return null;
        if (!_started)
        {
            // The first delimiter has no leading CRLF: skip the preamble up to '--boundary'.
            _started = true;
            if (!await SkipPastAsync(_delimiter.AsMemory(2), ct)) return Finish();
        }
        // After a delimiter: "--" closes the body, CRLF opens a part.
        var tail = await ReadExactAsync(2, ct);
        if (tail is null || tail == "--") return Finish();

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            var line = await ReadLineAsync(ct);
            if (line is null) return Finish();
            if (line.Length == 0) return headers;
            var colon = line.IndexOf(':');
            if (colon > 0) headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
    }

    /// <summary>Hands the current part's bytes to <paramref name="sink"/> until the next delimiter; returns the count.</summary>
    public async Task<long> ReadPartAsync(Func<ReadOnlySequence<byte>, ValueTask> sink, CancellationToken ct)
    {
        long total = 0;
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            // Every read is advanced, even when the sink throws (the client went away): a reader left mid-read
            // would break Kestrel's own next read of the connection.
            var consumed = buffer.Start;
            try
            {
                if (FindDelimiter(buffer, out var data, out var after))
                {
                    if (!data.IsEmpty) await sink(data);
                    total += data.Length;
                    consumed = after;
                    return total;
                }
                if (result.IsCompleted)
                {
                    consumed = buffer.End;
                    _finished = true;
                    throw new InvalidDataException("The multipart body ended inside a part.");
                }
                // Keep the last bytes: they may be the start of a delimiter split across reads.
                var safe = buffer.Length - (_delimiter.Length - 1);
                if (safe > 0)
                {
                    var emit = buffer.Slice(0, safe);
                    await sink(emit);
                    total += safe;
                    consumed = emit.End;
                }
            }
            finally
            {
                reader.AdvanceTo(consumed, buffer.End);
            }
        }
    }

    private bool FindDelimiter(ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> data, out SequencePosition after)
    {
        var seq = new SequenceReader<byte>(buffer);
        var found = seq.TryReadTo(out data, _delimiter, advancePastDelimiter: true);
        after = seq.Position;
        return found;
    }

    private Dictionary<string, string>? Finish()
    {
        _finished = true;
        return null;
    }

    private async Task<bool> SkipPastAsync(ReadOnlyMemory<byte> marker, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var seq = new SequenceReader<byte>(result.Buffer);
            if (seq.TryReadTo(out ReadOnlySequence<byte> _, marker.Span, advancePastDelimiter: true))
            {
                reader.AdvanceTo(seq.Position);
                return true;
            }
            if (result.IsCompleted)
            {
                reader.AdvanceTo(result.Buffer.End);
                return false;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private async Task<string?> ReadExactAsync(int count, CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            if (result.Buffer.Length >= count)
            {
                var text = Encoding.ASCII.GetString(result.Buffer.Slice(0, count));
                reader.AdvanceTo(result.Buffer.GetPosition(count));
                return text;
            }
            if (result.IsCompleted)
            {
                reader.AdvanceTo(result.Buffer.End);
                return null;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var seq = new SequenceReader<byte>(result.Buffer);
            if (seq.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8, advancePastDelimiter: true))
            {
                var text = Encoding.UTF8.GetString(line);
                reader.AdvanceTo(seq.Position);
                return text;
            }
            if (result.IsCompleted || result.Buffer.Length > 64 * 1024)
            {
                reader.AdvanceTo(result.Buffer.End);
                return null;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    /// <summary>Reads a whole (small) text part.</summary>
    public async Task<string> ReadTextPartAsync(CancellationToken ct)
    {
        var bytes = new ArrayBufferWriter<byte>();
        await ReadPartAsync(seq =>
        {
            if (bytes.WrittenCount < 64 * 1024) foreach (var m in seq) bytes.Write(m.Span);
            return ValueTask.CompletedTask;
        }, ct);
        return Encoding.UTF8.GetString(bytes.WrittenSpan);
    }
}
