namespace SynapsePS.Core.Tests;

/// <summary>
/// Reading the server's records back: by id and url against the real dev server, and the listing's pages, links
/// and bounds against the capture server scripted to answer exactly what each test needs.
/// </summary>
public sealed class RecordReadingTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static string Record(string id, int status = 2) =>
        $$"""{"id": "{{id}}", "filename": "{{id}}.bin", "offset": 10, "status": {{status}}, "created_at": "2026-11-25T10:00:00Z"}""";

    private static SynapseUploadClient ClientFor(Uri baseUrl) =>
        new(new SynapseConnection(baseUrl, "t"), new UploadOptions { MaxRetries = 0 });

    [Fact]
    public async Task An_upload_reads_back_by_id_and_by_url_as_the_server_holds_it()
    {
        var path = _scratch.File("read-back.bin", UploadOptions.MinChunkSize + 5);
        var client = new SynapseUploadClient(fixture.Connection(), _scratch.Options());
        var uploaded = await client.UploadFileAsync(path);

        var byId = await client.GetRecordAsync(uploaded.Id);
        var byUrl = await client.GetRecordAsync(uploaded.Url!);

        foreach (var record in new[] { byId, byUrl })
        {
            Assert.Equal(uploaded.Id, record.Id);
            Assert.Equal("read-back.bin", record.FileName);
            Assert.Equal(uploaded.Length, record.Offset);
            Assert.Equal("Complete", record.Status);
            Assert.Equal(uploaded.Url, record.Url);
            Assert.NotNull(record.CreatedAt);
            Assert.NotNull(record.CompletedAt);
            Assert.InRange(record.CompletedAt!.Value, record.CreatedAt!.Value, DateTimeOffset.UtcNow.AddMinutes(1));
        }
    }

    [Fact]
    public async Task A_missing_upload_or_another_tokens_upload_is_UploadNotFound()
    {
        var path = _scratch.File("other-token.bin", 100);
        var other = await new SynapseUploadClient(fixture.Connection(ServerFixture.OtherToken), _scratch.Options()).UploadFileAsync(path);
        var client = new SynapseUploadClient(fixture.Connection(), _scratch.Options());

        foreach (var id in new[] { "no-such-upload", other.Id })
        {
            var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.GetRecordAsync(id));
            Assert.Equal(SynapseErrorKind.UploadNotFound, ex.Kind);
            Assert.Equal(404, ex.StatusCode);
        }
    }

    [Fact]
    public async Task An_id_is_one_path_segment_whatever_it_holds()
    {
        using var server = new CaptureServer();
        server.Answer("/api/chunked_upload/a%2F..%2Fb%3Fc/", Record("a/../b?c"));

        var record = await ClientFor(new Uri(server.BaseUrl, "api/")).GetRecordAsync("a/../b?c");

        Assert.Equal("a/../b?c", record.Id);
        Assert.Equal(new[] { "/api/chunked_upload/a%2F..%2Fb%3Fc/" }, server.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task A_url_outside_the_base_url_is_refused_without_a_request()
    {
        using var server = new CaptureServer();
        var client = ClientFor(new Uri(server.BaseUrl, "api/"));

        foreach (var url in new[] { new Uri(server.BaseUrl, "other/chunked_upload/1/"), new Uri($"http://localhost:{server.BaseUrl.Port}/api/chunked_upload/1/") })
        {
            var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.GetRecordAsync(url));
            Assert.Equal(SynapseErrorKind.UrlNotUnderBaseUrl, ex.Kind);
        }
        Assert.Empty(server.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task A_relative_url_is_taken_against_the_base_url()
    {
        using var server = new CaptureServer();
        server.Answer("/api/chunked_upload/7/", Record("7"));

        var record = await ClientFor(new Uri(server.BaseUrl, "api/")).GetRecordAsync(new Uri("chunked_upload/7/", UriKind.Relative));

        Assert.Equal("7", record.Id);
    }

    [Fact]
    public async Task The_listing_follows_next_pages_under_the_base_url()
    {
        using var server = new CaptureServer();
        var list = new Uri(server.BaseUrl, "api/chunked_upload/");
        server.Answer("/api/chunked_upload/", $$"""{"count": 3, "next": "{{list}}?page=2", "previous": null, "results": [{{Record("a")}}, {{Record("b", 1)}}]}""");
        server.Answer("/api/chunked_upload/?page=2", $$"""{"count": 3, "next": null, "previous": "{{list}}", "results": [{{Record("c")}}]}""");
        var seen = new List<ChunkedUploadRecord>();

        await ClientFor(new Uri(server.BaseUrl, "api/")).ListRecordsAsync(seen.Add);

        Assert.Equal(new[] { "a", "b", "c" }, seen.Select(r => r.Id));
        Assert.Equal(new[] { "Complete", "Incomplete", "Complete" }, seen.Select(r => r.Status));
        Assert.Equal(new[] { "/api/chunked_upload/", "/api/chunked_upload/?page=2" }, server.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task A_next_page_outside_the_base_url_is_not_followed()
    {
        using var server = new CaptureServer();
        server.Answer("/api/chunked_upload/", $$"""{"next": "{{server.BaseUrl}}elsewhere/?page=2", "results": [{{Record("a")}}]}""");
        var seen = new List<ChunkedUploadRecord>();

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => ClientFor(new Uri(server.BaseUrl, "api/")).ListRecordsAsync(seen.Add));

        Assert.Equal(SynapseErrorKind.UrlNotUnderBaseUrl, ex.Kind);
        Assert.Contains("next page", ex.Message);
        Assert.Equal(new[] { "a" }, seen.Select(r => r.Id));
        Assert.Equal(new[] { "/api/chunked_upload/" }, server.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task A_listing_whose_pages_loop_ends_instead_of_spinning()
    {
        using var server = new CaptureServer();
        server.Answer("/api/chunked_upload/", $$"""{"next": "?page=2", "results": [{{Record("a")}}]}""");
        server.Answer("/api/chunked_upload/?page=2", $$"""{"next": "{{server.BaseUrl}}api/chunked_upload/", "results": []}""");

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => ClientFor(new Uri(server.BaseUrl, "api/")).ListRecordsAsync(_ => { }));

        Assert.Equal(SynapseErrorKind.UnexpectedResponse, ex.Kind);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task A_listing_may_exceed_the_bound_of_one_record_but_a_record_may_not()
    {
        using var server = new CaptureServer();
        // About 2 MiB of records: more than one record's 1 MiB bound, well within a listing's.
        var records = Enumerable.Range(0, 8000).Select(i => Record(i.ToString("D6") + new string('x', 200)));
        server.Answer("/api/chunked_upload/", "[" + string.Join(",", records) + "]");
        server.Answer("/api/chunked_upload/big/", $$"""{"id": "big", "offset": 1, "pad": "{{new string('x', 1100 * 1024)}}"}""");
        var client = ClientFor(new Uri(server.BaseUrl, "api/"));
        var count = 0;

        await client.ListRecordsAsync(_ => count++);
        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.GetRecordAsync("big"));

        Assert.Equal(8000, count);
        Assert.Equal(SynapseErrorKind.UnexpectedResponse, ex.Kind);
        Assert.Contains("larger than 1 MiB", ex.Message);
    }
}
