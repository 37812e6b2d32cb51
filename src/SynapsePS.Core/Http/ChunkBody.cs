using System;
using System.Buffers;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Files;

namespace SynapsePS.Http;

/// <summary>
/// One chunk as the multipart/form-data body Python requests builds for
/// <c>data={"filename": name}, files={"file": ("chunk", bytes)}</c>, streamed straight from the file.
/// The length is known up front (Content-Length, no chunked encoding). Each block is read once, then hashed
/// while the same buffer is written to the socket, and the next block is read meanwhile.
/// </summary>
internal sealed class ChunkBody : HttpContent
{
    internal const int BlockSize = 1024 * 1024;

    private readonly LocalFile _file;
    private readonly FileDigest _digest;
    private readonly long _start;
    private readonly int _length;
    private readonly byte[] _preamble;
    private readonly byte[] _epilogue;
    private readonly Action<int> _onBlockSent;
    private readonly CancellationToken _token;
    private readonly BandwidthLimiter? _limiter;
    private readonly Action? _waiting;
    private Task _serializing = Task.CompletedTask;

    /// <param name="limiter">The bandwidth cap to write under, or null; blocks are then written in the limiter's slices.</param>
    /// <param name="waiting">Called while the body waits for its bandwidth budget (the request is alive, not stalled).</param>
    public ChunkBody(LocalFile file, FileDigest digest, long start, int length, Action<int> onBlockSent, CancellationToken token,
        BandwidthLimiter? limiter = null, Action? waiting = null)
    {
        _file = file;
        _digest = digest;
        _start = start;
        _length = length;
        _onBlockSent = onBlockSent;
        _token = token;
        _limiter = limiter;
        _waiting = waiting;

        // requests/urllib3 use 32 lowercase hex characters as the boundary, the text field first, then the file
        // part; for files={'file': ('chunk', bytes)} (no type given) requests writes no Content-Type line.
        var boundary = Guid.NewGuid().ToString("N");
        _preamble = Encoding.UTF8.GetBytes(
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"filename\"\r\n\r\n{file.Name}\r\n" +
            $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"chunk\"\r\n\r\n");
        _epilogue = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");

        var type = new MediaTypeHeaderValue("multipart/form-data");
        type.Parameters.Add(new NameValueHeaderValue("boundary", boundary));
        Headers.ContentType = type;
    }

    /// <summary>Finishes when the last serialization has stopped touching the file and the digest.</summary>
    public Task Settled => _serializing.ContinueWith(static _ => { }, CancellationToken.None,
        TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    protected override bool TryComputeLength(out long length)
    {
        length = _preamble.Length + (long)_length + _epilogue.Length;
        return true;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        _serializing = WriteBodyAsync(stream, CancellationToken.None);

#if NET8_0_OR_GREATER
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        _serializing = WriteBodyAsync(stream, cancellationToken);
#endif

    private async Task WriteBodyAsync(Stream stream, CancellationToken handlerToken)
    {
        using var linked = handlerToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(_token, handlerToken) : null;
        var ct = linked?.Token ?? _token;
        await stream.WriteAsync(_preamble, 0, _preamble.Length, ct).ConfigureAwait(false);

        var blockSize = Math.Min(BlockSize, _length);
        var current = ArrayPool<byte>.Shared.Rent(blockSize);
        var next = ArrayPool<byte>.Shared.Rent(blockSize);
        Task? reading = null;
        try
        {
            var position = 0;
            var count = Math.Min(blockSize, _length);
            reading = _file.ReadExactlyAsync(_start, current, count, ct);
            while (position < _length)
            {
                await reading!.ConfigureAwait(false);
                reading = null;

                // Read ahead into the other buffer while this one is sent and hashed.
                var nextPosition = position + count;
                var nextCount = Math.Min(blockSize, _length - nextPosition);
                if (nextCount > 0) reading = _file.ReadExactlyAsync(_start + nextPosition, next, nextCount, ct);

                var writing = WriteBlockAsync(stream, current, count, ct);
                _digest.Append(_start + position, current, count);
                await writing.ConfigureAwait(false);

                position = nextPosition;
                count = nextCount;
                (current, next) = (next, current);
            }
        }
        finally
        {
            // Never return a buffer that a read still fills.
            if (reading is not null)
            {
                try { await reading.ConfigureAwait(false); } catch { /* the write already failed; that error wins */ }
            }
            ArrayPool<byte>.Shared.Return(current);
            ArrayPool<byte>.Shared.Return(next);
        }

        await stream.WriteAsync(_epilogue, 0, _epilogue.Length, ct).ConfigureAwait(false);
    }

    private async Task WriteBlockAsync(Stream stream, byte[] block, int count, CancellationToken ct)
    {
        if (_limiter is null)
        {
            await stream.WriteAsync(block, 0, count, ct).ConfigureAwait(false);
            _onBlockSent(count);
            return;
        }
        for (var offset = 0; offset < count;)
        {
            var slice = Math.Min(_limiter.SliceSize, count - offset);
            await _limiter.WaitAsync(slice, _waiting, ct).ConfigureAwait(false);
            await stream.WriteAsync(block, offset, slice, ct).ConfigureAwait(false);
            _onBlockSent(slice);
            offset += slice;
        }
    }
}
