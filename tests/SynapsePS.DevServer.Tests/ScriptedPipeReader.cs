using System.Buffers;
using System.IO.Pipelines;

namespace SynapsePS.DevServer.Tests;

/// <summary>
/// A PipeReader that hands out a body in fixed pieces: each read reveals one more piece, and each piece is its
/// own segment of the sequence, so a test decides exactly where reads (and segments) split the bytes. After
/// the last piece the writer counts as completed; a body cut short is simply a shorter one.
/// </summary>
internal sealed class ScriptedPipeReader : PipeReader
{
    private readonly byte[] _data;
    private readonly int[] _ends;
    private int _revealed;
    private long _consumed;
    private ReadOnlySequence<byte> _last;

    /// <param name="ends">Where each piece ends, ascending; the last is the body's length.</param>
    public ScriptedPipeReader(byte[] data, params int[] ends)
    {
        _data = data;
        _ends = ends.Length > 0 && ends[^1] == data.Length ? ends : ends.Append(data.Length).ToArray();
    }

    public int Reads { get; private set; }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        Reads++;
        if (_revealed < _ends.Length) _revealed++;
        _last = Build(_consumed, _ends[_revealed - 1]);
        return ValueTask.FromResult(new ReadResult(_last, isCanceled: false, isCompleted: _revealed == _ends.Length));
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => _consumed += _last.Slice(0, consumed).Length;

    public override bool TryRead(out ReadResult result)
    {
        result = default;
        return false;
    }

    public override void CancelPendingRead() { }

    public override void Complete(Exception? exception = null) { }

    /// <summary>The bytes [from, to) as one segment per piece.</summary>
    private ReadOnlySequence<byte> Build(long from, long to)
    {
        if (from >= to) return ReadOnlySequence<byte>.Empty;
        Segment? first = null, last = null;
        var pieceStart = 0;
        foreach (var pieceEnd in _ends)
        {
            var start = Math.Max(pieceStart, from);
            var end = Math.Min(pieceEnd, to);
            if (start < end)
            {
                var segment = new Segment(_data.AsMemory((int)start, (int)(end - start)), last);
                first ??= segment;
                last = segment;
            }
            pieceStart = pieceEnd;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
