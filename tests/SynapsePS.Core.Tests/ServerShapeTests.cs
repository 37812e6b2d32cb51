using System.Net;
using SynapsePS.DevServer;
using SynapsePS.Resume;

namespace SynapsePS.Core.Tests;

/// <summary>
/// Uploads against the real dev server in each of its answer modes: drf-chunked-upload 0.6 (the default), the
/// Synapse record shape, drf 0.5's offset key, a JSON-only finish, a lying finish reply, and records whose url
/// names a second server on another loopback address.
/// </summary>
public sealed class ServerShapeTests : IDisposable
{
    private const string Token = ServerFixture.Token;
    private const int Chunk = UploadOptions.MinChunkSize;
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private SynapseUploadClient Client(DevServer.DevServer server) => new(new SynapseConnection(server.BaseUrl, Token), _scratch.Options(Chunk));

    [Fact]
    public async Task Default_server_answers_as_drf_and_the_result_says_Complete()
    {
        await using var server = await ServerFixture.StartAsync();
        var path = _scratch.File("drf.bin", Chunk * 3 + 1);

        var result = await Client(server).UploadFileAsync(path);

        Assert.Equal("Complete", result.Status);
        Assert.True(Guid.TryParse(result.Id, out _), $"a drf id is a UUID, not '{result.Id}'");
        Assert.Equal(result.Id, server.Uploads.Single().Id);
        Assert.Equal("complete", server.Uploads.Single().Status);
        Assert.Equal(2L, result.ServerRecord["status"]);
        Assert.True(result.ServerRecord.ContainsKey("user"));
        Assert.Null(result.ServerChecksum);
        Assert.Null(result.ServerSize);
        Assert.Equal(Scratch.Md5(path), Scratch.Md5(server.Uploads.Single().StoredPath));
    }

    [Fact]
    public async Task Synapse_shape_gives_an_integer_id_and_the_servers_checksum_and_size()
    {
        await using var server = await ServerFixture.StartAsync(o => o.RecordShape = RecordShape.Synapse);
        var path = _scratch.File("synapse.bin", Chunk * 2 + 5);

        var result = await Client(server).UploadFileAsync(path);

        Assert.Equal("Complete", result.Status);
        Assert.Matches("^[0-9]+$", result.Id);
        Assert.Equal(server.Uploads.Single().Id, result.Id);
        Assert.Equal(Scratch.Md5(path), result.ServerChecksum, ignoreCase: true);
        Assert.Equal(Chunk * 2 + 5, result.ServerSize);
        Assert.Equal(new Uri(server.BaseUrl, $"chunked_upload/{result.Id}/"), result.Url);
    }

    [Fact]
    public async Task Drf_0_5_offset_key_resyncs_from_the_error_without_asking_the_record()
    {
        // Half the chunks are stored but their answer lost: the retry is refused with "Offsets do not match" and
        // {"offset": N}, which must be enough to go on. (A lost first answer starts another upload instead.)
        await using var server = await ServerFixture.StartAsync(o =>
        {
            o.OffsetKey = DevServerOptions.LegacyOffsetKey;
            o.Faults.LoseAckRate = 0.5;
            o.Faults.Seed = 5;
        });
        var path = _scratch.File("offset.bin", Chunk * 6 + 3);
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, Token), _scratch.Options(Chunk, maxRetries: 8));

        var result = await client.UploadFileAsync(path);

        Assert.Equal(Scratch.Md5(path), result.Md5);
        Assert.Equal("Complete", result.Status);
        Assert.Contains(server.Requests, r => r.Status == 400 && r.UploadId == result.Id);
        Assert.DoesNotContain(server.Requests, r => r.Method == "GET");
        Assert.Equal(Scratch.Md5(path), Scratch.Md5(server.Uploads.Single(u => u.Id == result.Id).StoredPath));
    }

    [Fact]
    public async Task Json_only_server_completes_the_upload()
    {
        await using var server = await ServerFixture.StartAsync(o => o.JsonOnly = true);
        var path = _scratch.File("json-only.bin", Chunk + 9);

        var result = await Client(server).UploadFileAsync(path);

        Assert.Equal("Complete", result.Status);
        var finish = server.Requests.Single(r => r.Method == "POST");
        Assert.Equal("application/json", finish.ContentType);
        Assert.Equal(200, finish.Status);
    }

    [Theory]
    [InlineData(FaultOptions.LieAboutChecksum)]
    [InlineData(FaultOptions.LieAboutSize)]
    public async Task A_finish_reply_that_lies_is_ChecksumMismatch_with_no_result(string lie)
    {
        await using var server = await ServerFixture.StartAsync(o =>
        {
            o.RecordShape = RecordShape.Synapse;
            o.Faults.FinishLie = lie;
        });
        var path = _scratch.File($"lie-{lie}.bin", Chunk * 2 + 1);
        var progress = new List<UploadPhase>();

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() =>
            Client(server).UploadFileAsync(path, new InlineProgress(p => progress.Add(p.Phase))));

        Assert.Equal(SynapseErrorKind.ChecksumMismatch, ex.Kind);
        Assert.Contains(lie == FaultOptions.LieAboutChecksum ? Scratch.Md5(path) : $"{Chunk * 2 + 1}", ex.Message);
        Assert.Contains("complete", ex.Message);
        Assert.DoesNotContain(UploadPhase.Completed, progress);
        Assert.Null(UploadJournal.Open(_scratch.StateDirectory).TryLoad(server.BaseUrl, path));
        Assert.Null(UploadLedger.Open(_scratch.StateDirectory).TryGet(server.BaseUrl, path, null));   // never counted as uploaded
        Assert.Single(server.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task Records_advertised_on_a_second_server_never_reach_it()
    {
        await using var second = await ServerFixture.StartAsync(o => o.BindAddress = IPAddress.Parse("127.0.0.2"));
        await using var server = await ServerFixture.StartAsync(o => o.AdvertiseUrl = second.BaseUrl);
        var path = _scratch.File("advertised.bin", Chunk * 3 + 2);
        var log = new RecordingLog();

        var result = await Client(server).UploadFileAsync(path, log: log);

        Assert.Empty(second.Requests);
        Assert.Empty(second.Uploads);
        Assert.Equal("Complete", result.Status);
        Assert.Equal(new Uri(server.BaseUrl, $"chunked_upload/{result.Id}/"), result.Url);
        Assert.StartsWith(second.BaseUrl.AbsoluteUri, (string)result.ServerRecord["url"]!);
        Assert.Equal(new[] { "PUT", "PUT", "PUT", "PUT", "POST" }, server.Requests.Select(r => r.Method));
        Assert.Single(log.VerboseLines, l => l.Contains(second.BaseUrl.Authority));
        Assert.Equal(Scratch.Md5(path), Scratch.Md5(server.Uploads.Single().StoredPath));
    }
}
