using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using System.Text;

namespace SynapsePS.DevServer.Tests;

/// <summary>The server's streaming multipart reader on its own, fed by hand: no server, no socket.</summary>
public sealed class MultipartChunkReaderTests
{
    private const string Boundary = "----chunk-boundary-7MA4YWxkTrZu0gW";
    private static readonly TimeSpan s_noHang = TimeSpan.FromSeconds(10);

    /// <summary>A file part with near-misses of the delimiter inside, so only the real one may end it.</summary>
    private static readonly byte[] s_payload = Encoding.ASCII.GetBytes("start\r\n--" + Boundary[..^1] + "X\r\n-\r\n--\r\n" + new string('z', 100) + "\r\n--" + "end")
        .Concat(RawRequests.Bytes(200, seed: 5)).ToArray();

    private static byte[] Body(byte[] payload, string filename = "report.bin") =>
        Encoding.ASCII.GetBytes("preamble to ignore\r\n--" + Boundary + "\r\n"
            + "Content-Disposition: form-data; name=\"filename\"\r\n\r\n" + filename + "\r\n"
            + "--" + Boundary + "\r\n"
            + "Content-Disposition: form-data; name=\"file\"; filename=\"chunk\"\r\nContent-Type: application/octet-stream\r\n\r\n")
        .Concat(payload)
        .Concat(Encoding.ASCII.GetBytes("\r\n--" + Boundary + "--\r\n"))
        .ToArray();

    /// <summary>Reads the body the way the server does: the text part, then the file part, then the end.</summary>
    private static async Task<(string Filename, byte[] File, bool Ended)> ReadAllAsync(PipeReader pipe)
    {
        var reader = new MultipartChunkReader(pipe, Boundary);
        var first = await reader.NextPartAsync(CancellationToken.None);
        Assert.NotNull(first);
        Assert.Equal("form-data; name=\"filename\"", first["Content-Disposition"]);
        var filename = await reader.ReadTextPartAsync(CancellationToken.None);

        var second = await reader.NextPartAsync(CancellationToken.None);
        Assert.NotNull(second);
        Assert.Equal("application/octet-stream", second["content-type"]);
        var file = new ArrayBufferWriter<byte>();
        var count = await reader.ReadPartAsync(seq =>
        {
            foreach (var m in seq) file.Write(m.Span);
            return ValueTask.CompletedTask;
        }, CancellationToken.None);
        Assert.Equal(file.WrittenCount, count);
        return (filename, file.WrittenSpan.ToArray(), await reader.NextPartAsync(CancellationToken.None) is null);
    }

    [Fact]
    public async Task Reads_the_text_part_then_the_file_part_whole()
    {
        var (filename, file, ended) = await ReadAllAsync(new ScriptedPipeReader(Body(s_payload)));

        Assert.Equal("report.bin", filename);
        Assert.Equal(s_payload, file);
        Assert.True(ended);
    }

    [Fact]
    public async Task A_split_between_two_reads_at_every_position_changes_nothing()
    {
        var body = Body(s_payload);
        for (var cut = 1; cut < body.Length; cut++)
        {
            var (filename, file, ended) = await ReadAllAsync(new ScriptedPipeReader(body, cut));

            Assert.True("report.bin" == filename, $"filename wrong with the cut at {cut}");
            Assert.True(s_payload.AsSpan().SequenceEqual(file), $"file part wrong with the cut at {cut}");
            Assert.True(ended, $"no end seen with the cut at {cut}");
        }
    }

    [Fact]
    public async Task One_byte_per_read_changes_nothing()
    {
        var body = Body(s_payload);
        var pipe = new ScriptedPipeReader(body, Enumerable.Range(1, body.Length).ToArray());

        var (filename, file, ended) = await ReadAllAsync(pipe);

        Assert.Equal("report.bin", filename);
        Assert.Equal(s_payload, file);
        Assert.True(ended);
        // Every piece was asked for, but the CRLF after the closing delimiter, which nothing needs.
        Assert.Equal(body.Length - 2, pipe.Reads);
    }

    [Fact]
    public async Task A_part_far_larger_than_the_pipe_streams_through_in_small_pieces()
    {
        // The body arrives 10,000 bytes per read, as a socket hands it over. A reader that held the part whole would
        // hand its sink the whole 8 MiB at the end; one that streams hands out about one read at a time. (A scripted
        // reader, not a Pipe with a pause threshold: that Pipe let the whole body through now and then, about 1 run
        // in 12, which proved nothing about this reader.)
        var payload = RawRequests.Bytes(8 * 1024 * 1024, seed: 9);
        var body = Body(payload);
        var ends = Enumerable.Range(1, body.Length / 10_000).Select(i => i * 10_000).ToArray();
        var pipe = new ScriptedPipeReader(body, ends);

        var reader = new MultipartChunkReader(pipe, Boundary);
        Assert.NotNull(await reader.NextPartAsync(CancellationToken.None));
        Assert.Equal("report.bin", await reader.ReadTextPartAsync(CancellationToken.None));
        Assert.NotNull(await reader.NextPartAsync(CancellationToken.None));
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        long largestHandOut = 0;
        var handOuts = 0;
        var count = await reader.ReadPartAsync(seq =>
        {
            largestHandOut = Math.Max(largestHandOut, seq.Length);
            handOuts++;
            foreach (var m in seq) md5.AppendData(m.Span);
            return ValueTask.CompletedTask;
        }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Null(await reader.NextPartAsync(CancellationToken.None));

        Assert.Equal(payload.Length, count);
        Assert.Equal(RawRequests.Md5(payload), Convert.ToHexStringLower(md5.GetHashAndReset()));
        // A few reads at most (the first hand-out also carries what the heads' reads revealed), never the part.
        Assert.InRange(largestHandOut, 1, 256 * 1024);
        Assert.True(handOuts > payload.Length / (2 * 10_000), $"{handOuts} hand-outs");
    }

    [Fact]
    public async Task A_body_cut_inside_the_file_part_is_an_error_not_a_hang()
    {
        var body = Body(s_payload);
        var payloadStart = body.Length - s_payload.Length - ("\r\n--" + Boundary + "--\r\n").Length;
        // The heads come byte by byte, then half the file part, then a little more, then the client is gone.
        var truncated = body.AsSpan(0, payloadStart + s_payload.Length / 2 + 20).ToArray();
        var pipe = new ScriptedPipeReader(truncated, Enumerable.Range(1, payloadStart).Append(payloadStart + s_payload.Length / 2).ToArray());

        var reader = new MultipartChunkReader(pipe, Boundary);
        Assert.NotNull(await reader.NextPartAsync(CancellationToken.None));
        await reader.ReadTextPartAsync(CancellationToken.None);
        Assert.NotNull(await reader.NextPartAsync(CancellationToken.None));
        long seen = 0;
        await Assert.ThrowsAsync<InvalidDataException>(() => reader.ReadPartAsync(seq => { seen += seq.Length; return ValueTask.CompletedTask; }, CancellationToken.None).WaitAsync(s_noHang));

        Assert.InRange(seen, 1, s_payload.Length - 1);
        Assert.Null(await reader.NextPartAsync(CancellationToken.None).WaitAsync(s_noHang));
    }

    [Theory]
    [InlineData("inside the preamble", 5)]
    [InlineData("inside the first delimiter", 25)]
    [InlineData("inside the part headers", 60)]
    public async Task A_body_cut_before_any_part_content_ends_the_parts(string where, int cutAt)
    {
        var pipe = new ScriptedPipeReader(Body(s_payload).AsSpan(0, cutAt).ToArray());
        var reader = new MultipartChunkReader(pipe, Boundary);

        var part = await reader.NextPartAsync(CancellationToken.None).WaitAsync(s_noHang);

        Assert.True(part is null, where);
    }

    [Fact]
    public async Task Text_parts_before_and_after_the_file_part_are_each_read_in_order()
    {
        var text = "--" + Boundary + "\r\nContent-Disposition: form-data; name=\"filename\"\r\n\r\ndata [1].zip\r\n"
                 + "--" + Boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c\"\r\n\r\nABC\r\n"
                 + "--" + Boundary + "\r\nContent-Disposition: form-data; name=\"md5\"\r\n\r\n0123\r\n"
                 + "--" + Boundary + "--";
        var reader = new MultipartChunkReader(new ScriptedPipeReader(Encoding.UTF8.GetBytes(text), 7, 90, 150), Boundary);
        var seen = new List<string>();
        while (await reader.NextPartAsync(CancellationToken.None) is { } headers)
        {
            var disposition = headers["Content-Disposition"];
            seen.Add(disposition.Contains("name=\"file\"") ? "file:" + await reader.ReadTextPartAsync(CancellationToken.None)
                                                           : await reader.ReadTextPartAsync(CancellationToken.None));
        }

        Assert.Equal(new[] { "data [1].zip", "file:ABC", "0123" }, seen);
    }
}
