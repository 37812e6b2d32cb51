using System.Net;
using System.Net.Http.Headers;
using System.Text;
using SynapsePS.DevServer;

namespace SynapsePS.Core.Tests;

/// <summary>Round trips of the chunked-upload protocol against the real dev server.</summary>
public sealed class ProtocolTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private const int Chunk = UploadOptions.MinChunkSize;
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    public static TheoryData<string, long> Sizes => new()
    {
        { "one byte", 1 },
        { "exactly one chunk", Chunk },
        { "one chunk and one byte", Chunk + 1 },
        { "several chunks", Chunk * 5 + 123 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task Upload_stores_the_file_bit_for_bit(string what, long size)
    {
        var path = _scratch.File($"{what}.bin", size, seed: (int)size);
        var client = new SynapseUploadClient(fixture.Connection(), _scratch.Options(Chunk));

        var result = await client.UploadFileAsync(path);

        var expectedChunks = (int)((size + Chunk - 1) / Chunk);
        Assert.Equal(Scratch.Md5(path), result.Md5);
        Assert.Equal(size, result.Length);
        Assert.Equal(expectedChunks, result.ChunkCount);
        Assert.Equal("Complete", result.Status);
        var stored = fixture.Server.Uploads.Single(u => u.Id == result.Id);
        Assert.Equal("complete", stored.Status);
        Assert.Equal(size, new FileInfo(stored.StoredPath).Length);
        Assert.Equal(result.Md5, Scratch.Md5(stored.StoredPath));
        Assert.Equal(result.Id, result.ServerRecord["id"]);
    }

    [Fact]
    public async Task Requests_follow_the_protocol_in_order()
    {
        var size = Chunk * 2 + 10;
        var path = _scratch.File("order.bin", size);
        var client = new SynapseUploadClient(fixture.Connection(), _scratch.Options(Chunk));
        fixture.Server.ResetLog();

        var result = await client.UploadFileAsync(path);

        var mine = fixture.Server.Requests.ToList();
        Assert.Equal(new[] { "PUT", "PUT", "PUT", "POST" }, mine.Select(r => r.Method));
        Assert.All(mine, r => Assert.Equal(200, r.Status));
        Assert.Equal("/chunked_upload/", mine[0].Path);
        Assert.Equal($"/chunked_upload/{result.Id}/", mine[1].Path);
        Assert.Equal($"/chunked_upload/{result.Id}/", mine[3].Path);
        Assert.Equal(new[] { $"bytes 0-{Chunk - 1}/{size}", $"bytes {Chunk}-{2 * Chunk - 1}/{size}", $"bytes {2 * Chunk}-{size - 1}/{size}" },
            mine.Take(3).Select(r => r.ContentRange));
        Assert.All(mine.Take(3), r => Assert.StartsWith("multipart/form-data; boundary=", r.ContentType));
        Assert.Equal("application/json", mine[3].ContentType);
    }

    [Fact]
    public async Task Sequential_uploads_reuse_one_keep_alive_connection()
    {
        var client = new SynapseUploadClient(fixture.Connection(), _scratch.Options(Chunk));
        var files = Enumerable.Range(0, 5).Select(i => _scratch.File($"reuse-{i}.bin", Chunk * 3 - i, seed: i)).ToList();
        fixture.Server.ResetLog();

        foreach (var file in files) await client.UploadFileAsync(file);

        var log = fixture.Server.Requests;
        Assert.Equal(5 * 4, log.Count);
        Assert.Single(log.Select(r => r.ConnectionId).Distinct());
    }

    [Fact]
    public async Task Non_ascii_names_arrive_intact()
    {
        var path = _scratch.File("데이터셋 [1].zip", 1000);
        var client = new SynapseUploadClient(fixture.Connection(), _scratch.Options(Chunk));

        var result = await client.UploadFileAsync(path);

        Assert.Equal("데이터셋 [1].zip", result.Name);
        Assert.Equal("데이터셋 [1].zip", fixture.Server.Uploads.Single(u => u.Id == result.Id).Filename);
    }

    [Fact]
    public async Task Zero_byte_file_is_refused_before_any_request()
    {
        var path = _scratch.File("empty.bin", 0);
        var before = fixture.Server.Requests.Count;
        var client = new SynapseUploadClient(fixture.Connection(), _scratch.Options());

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path));

        Assert.Equal(SynapseErrorKind.EmptyFile, ex.Kind);
        Assert.Equal("EmptyFile", ex.ErrorId);
        Assert.Equal(path, ex.FilePath);
        Assert.Equal(before, fixture.Server.Requests.Count);
    }

    [Fact]
    public async Task Missing_file_and_directory_are_refused_with_their_own_kinds()
    {
        var client = new SynapseUploadClient(fixture.Connection(), _scratch.Options());

        var missing = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(Path.Combine(_scratch.Root, "nope.bin")));
        var directory = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(_scratch.Root));

        Assert.Equal(SynapseErrorKind.PathNotFound, missing.Kind);
        Assert.Equal(SynapseErrorKind.NotAFile, directory.Kind);
    }

    [Fact]
    public async Task Wrong_token_is_401_with_the_servers_detail_and_no_retry()
    {
        var path = _scratch.File("auth.bin", 100);
        var client = new SynapseUploadClient(fixture.Connection("not-a-token"), _scratch.Options());
        fixture.Server.ResetLog();

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path));

        Assert.Equal(SynapseErrorKind.AuthenticationFailed, ex.Kind);
        Assert.Equal(401, ex.StatusCode);
        Assert.Equal("Invalid token.", ex.Detail);
        Assert.Contains("Invalid token.", ex.Message);
        Assert.Single(fixture.Server.Requests);
    }

    [Fact]
    public async Task Another_tokens_upload_is_404()
    {
        var path = _scratch.File("owned.bin", Chunk * 2);
        var owner = new SynapseUploadClient(fixture.Connection(), _scratch.Options(Chunk));
        using var cts = new CancellationTokenSource();
        var progress = new InlineProgress(p => { if (p.BytesDone >= Chunk + 1) cts.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => owner.UploadFileAsync(path, progress, null, cts.Token));
        var upload = fixture.Server.Uploads.Where(u => u.Filename == "owned.bin").OrderBy(u => u.CreatedAt).Last();

        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.Server.BaseUrl, $"chunked_upload/{upload.Id}/"));
        request.Headers.TryAddWithoutValidation("Synapse-Access-Token", "Token " + ServerFixture.OtherToken);
        var answer = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
    }

    [Fact]
    public async Task Wrong_md5_is_ChecksumMismatch_and_the_upload_stays_incomplete()
    {
        var path = _scratch.File("md5.bin", 1000);
        using var http = new HttpClient();
        var put = await RawPutAsync(http, "chunked_upload/", "md5.bin", File.ReadAllBytes(path), "bytes 0-999/1000");
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var url = System.Text.Json.JsonDocument.Parse(await put.Content.ReadAsStringAsync()).RootElement.GetProperty("url").GetString()!;

        var post = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["md5"] = new string('0', 32) }) };
        post.Headers.TryAddWithoutValidation("Synapse-Access-Token", "Token " + ServerFixture.Token);
        var answer = await http.SendAsync(post);
        var body = await answer.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal("checksum does not match", Detail(body));
        Assert.Equal(SynapseErrorKind.ChecksumMismatch, SynapsePS.Protocol.ErrorKinds.KindForStatus(400, Detail(body)));
        Assert.Equal("uploading", fixture.Server.Uploads.Single(u => url.Contains(u.Id)).Status);
    }

    public static TheoryData<string, string, string?, int, string> BadRequests => new()
    {
        { "missing Content-Range", "x", null, 400, "Error in request headers" },
        { "malformed Content-Range", "x", "bytes=0-0", 400, "Error in request headers" },
        { "end beyond total", "xxx", "bytes 0-2/1", 400, "End of chunk exceeds reported total (1 bytes)" },
        { "part size differs from range", "xyz", "bytes 0-1/3", 400, "File size doesn't match headers: file size is 3 but 2 reported" },
        { "empty file part", "", "bytes 0-0/1", 400, "File size doesn't match headers: file size is 0 but 1 reported" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Server_rejects_bad_chunks_with_drf_answers(string what, string content, string? range, int status, string detail)
    {
        using var http = new HttpClient();
        var answer = await RawPutAsync(http, "chunked_upload/", what + ".bin", Encoding.ASCII.GetBytes(content), range);

        Assert.Equal(status, (int)answer.StatusCode);
        Assert.Equal(detail, Detail(await answer.Content.ReadAsStringAsync()));
        Assert.Equal(SynapseErrorKind.ServerRejectedRequest, SynapsePS.Protocol.ErrorKinds.KindForStatus(status, detail));
    }

    [Fact]
    public async Task Wrong_start_is_400_with_expected_offset()
    {
        using var http = new HttpClient();
        var first = await RawPutAsync(http, "chunked_upload/", "offsets.bin", new byte[10], "bytes 0-9/30");
        var url = System.Text.Json.JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("url").GetString()!;

        var answer = await RawPutAsync(http, url, "offsets.bin", new byte[10], "bytes 20-29/30");
        var body = System.Text.Json.JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal("Offsets do not match", body.GetProperty("detail").GetString());
        Assert.Equal(10, body.GetProperty("expected_offset").GetInt64());
        Assert.Equal(20, body.GetProperty("provided_offset").GetInt64());
        Assert.Equal(SynapseErrorKind.OffsetMismatch, SynapsePS.Protocol.ErrorKinds.KindForStatus(400, "Offsets do not match"));
    }

    private async Task<HttpResponseMessage> RawPutAsync(HttpClient http, string urlOrPath, string filename, byte[] content, string? range)
    {
        var url = Uri.TryCreate(urlOrPath, UriKind.Absolute, out var abs) ? abs : new Uri(fixture.Server.BaseUrl, urlOrPath);
        var form = new MultipartFormDataContent { { new StringContent(filename), "filename" } };
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "chunk");
        var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = form };
        request.Headers.TryAddWithoutValidation("Synapse-Access-Token", "Token " + ServerFixture.Token);
        if (range is not null) form.Headers.TryAddWithoutValidation("Content-Range", range);
        return await http.SendAsync(request);
    }

    private static string? Detail(string body) => System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString();
}
