using System.Buffers;
using System.Security.Cryptography;

namespace SynapsePS.DevServer.Storage;

/// <summary>
/// Writes one file part into the upload's .part file, hashing the same 1 MiB blocks it writes. Commits the
/// offset and the MD5 only for a part of exactly the announced size (any size when none is announced);
/// otherwise the file is cut back.
/// </summary>
internal sealed class ChunkSink : IDisposable
{
    private const int BufferSize = 1024 * 1024;

    private readonly StoredUpload _upload;
    private readonly long _start;
    private readonly long _limit;
    private readonly long? _length;
    private readonly IncrementalHash _hash;
    private readonly FileStream _file;
    private readonly byte[] _block = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _filled;
    private long _seen;
    private bool _committed;

    public ChunkSink(StoredUpload upload, long start, long? length)
    {
        _upload = upload;
        _start = start;
        _length = length;
        _limit = length ?? long.MaxValue;
        _hash = upload.CopyHash();
        _file = new FileStream(upload.PartPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1);
        _file.SetLength(start);   // whatever a broken earlier attempt left past the offset goes
        _file.Position = start;
    }

    public async ValueTask WriteAsync(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            var span = segment;
            _seen += span.Length;
            if (_seen > _limit) continue;   // too long: keep counting to answer, store nothing more
            while (!span.IsEmpty)
            {
                var n = Math.Min(span.Length, _block.Length - _filled);
                span.Span[..n].CopyTo(_block.AsSpan(_filled));
                _filled += n;
                span = span[n..];
                if (_filled == _block.Length) await FlushAsync();
            }
        }
    }

    public async Task CompleteAsync(long received)
    {
        if (_length is { } expected && received != expected) return;
        await FlushAsync();
        _upload.AdoptHash(_hash);
        _upload.Offset = _start + received;
        _committed = true;
    }

    private async Task FlushAsync()
    {
        if (_filled == 0) return;
        var writing = _file.WriteAsync(_block.AsMemory(0, _filled));
        _hash.AppendData(_block, 0, _filled);
        await writing;
        _filled = 0;
    }

    public void Dispose()
    {
        if (!_committed)
        {
            _hash.Dispose();
            try { _file.SetLength(_start); } catch (IOException) { }
        }
        _file.Dispose();
        ArrayPool<byte>.Shared.Return(_block);
    }
}
