using SynapsePS.Resume;

namespace SynapsePS.Core.Tests;

/// <summary>
/// The finish reply in each shape a server sends: stock drf (a UUID id, no checksum), Synapse (an integer id,
/// checksum and size). A reply whose checksum or size is not the file's never ends in a result.
/// </summary>
public sealed class FinishReplyTests : IDisposable
{
    private const int Chunk = UploadOptions.MinChunkSize;
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Synapse_reply_fills_the_servers_checksum_and_size_and_keeps_a_big_integer_id_exact()
    {
        var path = _scratch.File("synapse.bin", Chunk + 7);
        var md5 = Scratch.Md5(path);
        // Upper case on purpose: hex compares case-insensitively.
        using var server = new CaptureServer { IdJson = "123456789012345678901234567", FinishExtraJson = $"\"checksum\": \"{md5.ToUpperInvariant()}\", \"size\": {Chunk + 7}" };
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, "t"), _scratch.Options(Chunk));

        var result = await client.UploadFileAsync(path);

        Assert.Equal("123456789012345678901234567", result.Id);
        Assert.Equal("Complete", result.Status);
        Assert.Equal(md5.ToUpperInvariant(), result.ServerChecksum);
        Assert.Equal(Chunk + 7, result.ServerSize);
        Assert.Equal(2L, result.ServerRecord["status"]);   // the server's record stays as it was sent
        Assert.Equal(System.Numerics.BigInteger.Parse("123456789012345678901234567"), result.ServerRecord["id"]);
        Assert.Equal(new Uri(server.BaseUrl, "chunked_upload/123456789012345678901234567/"), result.Url);
        Assert.Equal(result.Id, UploadLedger.Open(_scratch.StateDirectory).TryGet(server.BaseUrl, path, null)?.UploadId);
    }

    [Fact]
    public async Task Stock_drf_reply_has_no_checksum_and_needs_none()
    {
        var path = _scratch.File("drf.bin", 300);
        using var server = new CaptureServer { IdJson = "\"5b0c7a4e-1f1d-4f0b-9a55-8e3c2d1b0a99\"" };
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, "t"), _scratch.Options(Chunk));

        var result = await client.UploadFileAsync(path);

        Assert.Equal("5b0c7a4e-1f1d-4f0b-9a55-8e3c2d1b0a99", result.Id);
        Assert.Equal("Complete", result.Status);
        Assert.Null(result.ServerChecksum);
        Assert.Null(result.ServerSize);
    }

    public static TheoryData<string, bool, bool> Lies => new()
    {
        { "checksum", true, false },
        { "size", false, true },
        { "checksum and size", true, true },
    };

    [Theory]
    [MemberData(nameof(Lies))]
    public async Task A_reply_whose_checksum_or_size_is_not_the_files_is_ChecksumMismatch_with_no_result(string what, bool wrongChecksum, bool wrongSize)
    {
        var path = _scratch.File($"lie {what}.bin", Chunk * 2 + 3);
        var md5 = Scratch.Md5(path);
        var serverChecksum = wrongChecksum ? new string('a', 32) : md5;
        var serverSize = wrongSize ? Chunk * 2 : Chunk * 2 + 3;
        using var server = new CaptureServer { IdJson = "42", FinishExtraJson = $"\"checksum\": \"{serverChecksum}\", \"size\": {serverSize}" };
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, "t"), _scratch.Options(Chunk));
        var phases = new List<UploadPhase>();

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path, new InlineProgress(p => phases.Add(p.Phase))));

        Assert.Equal(SynapseErrorKind.ChecksumMismatch, ex.Kind);
        Assert.Equal(path, ex.FilePath);
        Assert.Contains("complete", ex.Message);
        if (wrongChecksum) { Assert.Contains(serverChecksum, ex.Message); Assert.Contains(md5, ex.Message); }
        else Assert.DoesNotContain("checksum is", ex.Message);
        if (wrongSize) { Assert.Contains($"{Chunk * 2} bytes", ex.Message); Assert.Contains($"{Chunk * 2 + 3}", ex.Message); }
        else Assert.DoesNotContain("size is", ex.Message);
        Assert.DoesNotContain(UploadPhase.Completed, phases);
        Assert.Null(UploadJournal.Open(_scratch.StateDirectory).TryLoad(server.BaseUrl, path));
        Assert.Null(UploadLedger.Open(_scratch.StateDirectory).TryGet(server.BaseUrl, path, null));   // never counted as uploaded
        Assert.Equal("POST", server.Requests[^1].Method);   // it was finished once, and not retried
    }
}
