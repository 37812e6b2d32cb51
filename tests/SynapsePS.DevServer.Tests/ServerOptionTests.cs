using System.Net;
using System.Text;
using System.Text.Json;
using static SynapsePS.DevServer.Tests.RawRequests;

namespace SynapsePS.DevServer.Tests;

/// <summary>The server's options, each against a server started with it, over HTTP.</summary>
public sealed class ServerOptionTests : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { UseProxy = false });

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task The_synapse_shape_numbers_uploads_and_reports_checksum_and_size_when_finishing()
    {
        await using var server = await ServerFixture.StartAsync(o => o.RecordShape = RecordShape.Synapse);
        var data = Bytes(700, seed: 21);

        var first = await CreateAsync(_http, server.BaseUrl, data[..300], data.Length);
        var second = await CreateAsync(_http, server.BaseUrl, Bytes(5), 5);
        await SendAsync(_http, Chunk(UrlOf(first), data[300..], Range(300, 400, data.Length)));
        var (_, record) = await SendAsync(_http, Get(UrlOf(first)));
        var (status, done) = await SendAsync(_http, Finish(UrlOf(first), Md5(data)));

        Assert.Equal(JsonValueKind.Number, first.GetProperty("id").ValueKind);
        Assert.Equal(1, first.GetProperty("id").GetInt64());
        Assert.Equal(2, second.GetProperty("id").GetInt64());
        Assert.Equal(new Uri(server.BaseUrl, "chunked_upload/1/"), UrlOf(first));
        Assert.False(record.TryGetProperty("checksum", out _), "only the finish reply carries the checksum");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, done.GetProperty("status").GetInt32());
        Assert.Equal(Md5(data), done.GetProperty("checksum").GetString());
        Assert.Equal(data.Length, done.GetProperty("size").GetInt64());
    }

    [Theory]
    [InlineData(FaultOptions.LieAboutChecksum)]
    [InlineData(FaultOptions.LieAboutSize)]
    public async Task A_finish_lie_falsifies_one_field_while_the_upload_completes_truthfully(string lie)
    {
        await using var server = await ServerFixture.StartAsync(o => { o.RecordShape = RecordShape.Synapse; o.Faults.FinishLie = lie; });
        var data = Bytes(600, seed: 22);
        var record = await CreateAsync(_http, server.BaseUrl, data, data.Length);

        var (status, done) = await SendAsync(_http, Finish(UrlOf(record), Md5(data)));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, done.GetProperty("status").GetInt32());
        Assert.Equal(lie == FaultOptions.LieAboutChecksum, done.GetProperty("checksum").GetString() != Md5(data));
        Assert.Matches("^[0-9a-f]{32}$", done.GetProperty("checksum").GetString());
        Assert.Equal(lie == FaultOptions.LieAboutSize ? data.Length + 1 : data.Length, done.GetProperty("size").GetInt64());
        var stored = server.Uploads.Single();
        Assert.Equal(("complete", Md5(data)), (stored.Status, stored.Md5OfStoredBytes));
    }

    [Fact]
    public async Task A_finish_lie_can_be_switched_on_and_off_through_the_faults_endpoint()
    {
        await using var server = await ServerFixture.StartAsync(o => o.RecordShape = RecordShape.Synapse);
        var faults = new Uri(server.BaseUrl, "_dev/faults");
        var data = Bytes(100, seed: 23);

        using (var on = await _http.PostAsync(faults, new StringContent("""{"finishLie":"size"}""", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        var lied = (await SendAsync(_http, Finish(UrlOf(await CreateAsync(_http, server.BaseUrl, data, data.Length)), Md5(data)))).Body;
        using (var off = await _http.PostAsync(faults, new StringContent("{}", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        var truthful = (await SendAsync(_http, Finish(UrlOf(await CreateAsync(_http, server.BaseUrl, data, data.Length)), Md5(data)))).Body;

        Assert.Equal(101, lied.GetProperty("size").GetInt64());
        Assert.Equal(100, truthful.GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task A_finish_lie_is_refused_for_the_drf_shape_which_has_nothing_to_falsify()
    {
        await using var server = await ServerFixture.StartAsync();

        using var answer = await _http.PostAsync(new Uri(server.BaseUrl, "_dev/faults"), new StringContent("""{"finishLie":"checksum"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Null(server.Options.Faults.FinishLie);
        Assert.Throws<ArgumentException>(() => DevServerOptions.Parse(["--finish-lie", "size"]));
        Assert.Throws<ArgumentException>(() => DevServerOptions.Parse(["--record-shape", "synapse", "--finish-lie", "md5"]));
    }

    [Fact]
    public async Task The_legacy_offset_key_names_only_the_servers_offset()
    {
        await using var server = await ServerFixture.StartAsync(o => o.OffsetKey = DevServerOptions.LegacyOffsetKey);
        var record = await CreateAsync(_http, server.BaseUrl, Bytes(10), 30);

        var (status, body) = await SendAsync(_http, Chunk(UrlOf(record), Bytes(10), Range(20, 10, 30)));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(new[] { "detail", "offset" }, Keys(body));
        Assert.Equal("Offsets do not match", Detail(body));
        Assert.Equal(10, body.GetProperty("offset").GetInt64());
    }

    [Fact]
    public async Task Json_only_refuses_a_form_finish_with_415_and_takes_json_and_multipart_chunks()
    {
        await using var server = await ServerFixture.StartAsync(o => o.JsonOnly = true);
        var data = Bytes(50, seed: 24);
        var record = await CreateAsync(_http, server.BaseUrl, data, data.Length);

        var (formStatus, formBody) = await SendAsync(_http, Finish(UrlOf(record), Md5(data), FinishEncoding.Form));
        var (multipartStatus, _) = await SendAsync(_http, Finish(UrlOf(record), Md5(data), FinishEncoding.Multipart));
        var (jsonStatus, done) = await SendAsync(_http, Finish(UrlOf(record), Md5(data), FinishEncoding.Json));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, formStatus);
        Assert.Equal("Unsupported media type \"application/x-www-form-urlencoded\" in request.", Detail(formBody));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, multipartStatus);
        Assert.Equal(HttpStatusCode.OK, jsonStatus);
        Assert.Equal(2, done.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task An_advertised_url_is_the_base_of_every_records_urls()
    {
        await using var server = await ServerFixture.StartAsync(o => o.AdvertiseUrl = new Uri("https://uploads.example.invalid:9443/api"));

        var record = await CreateAsync(_http, server.BaseUrl, Bytes(10), 20);
        var (_, list) = await SendAsync(_http, Get(new Uri(server.BaseUrl, "chunked_upload/")));
        var id = record.GetProperty("id").GetString();

        Assert.Equal($"https://uploads.example.invalid:9443/api/chunked_upload/{id}/", record.GetProperty("url").GetString());
        Assert.StartsWith("https://uploads.example.invalid:9443/api/media/chunked_uploads/", record.GetProperty("file").GetString());
        Assert.Equal(record.GetProperty("url").GetString(), list.EnumerateArray().Single().GetProperty("url").GetString());
        Assert.Equal("127.0.0.1", server.BaseUrl.Host);
    }

    [Fact]
    public async Task Bind_listens_on_another_loopback_address_and_names_it_in_the_url()
    {
        await using var server = await ServerFixture.StartAsync(o => o.BindAddress = IPAddress.Parse("127.0.0.2"));

        var record = await CreateAsync(_http, server.BaseUrl, Bytes(10), 10);

        Assert.Equal("127.0.0.2", server.BaseUrl.Host);
        Assert.Equal("127.0.0.2", UrlOf(record).Host);
        await Assert.ThrowsAsync<HttpRequestException>(() => _http.GetAsync(new UriBuilder(server.BaseUrl) { Host = "127.0.0.1" }.Uri));
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("192.0.2.10")]
    [InlineData("::")]
    public async Task Bind_refuses_any_address_that_is_not_loopback(string address)
    {
        var ex = Assert.Throws<ArgumentException>(() => DevServerOptions.Parse(["--bind", address]));
        Assert.Contains("loopback", ex.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => ServerFixture.StartAsync(o => o.BindAddress = IPAddress.Parse(address)));
    }

    [Fact]
    public async Task The_executable_prints_the_bound_address_and_exits_2_on_a_refused_one()
    {
        using (var bound = await ServerProcess.StartAsync("--bind", "127.0.0.2"))
        {
            Assert.Matches(@"^http://127\.0\.0\.2:\d+/$", bound.FirstLine);
            using var health = await _http.GetAsync(new Uri(new Uri(bound.FirstLine!), "_dev/health"));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        using var refused = await ServerProcess.StartAsync("--bind", "10.1.2.3");

        Assert.Null(refused.FirstLine);
        Assert.Equal(2, await refused.ExitCodeAsync());
        Assert.Contains("10.1.2.3 is not a loopback address", await refused.Errors);
    }

    [Fact]
    public async Task The_large_buffer_transport_is_opt_in_and_still_stores_every_byte()
    {
        await using var server = await ServerFixture.StartAsync(o => o.LargeBufferTransport = true);
        var data = Bytes(3 * 1024 * 1024, seed: 25);

        var record = await CreateAsync(_http, server.BaseUrl, data, data.Length);
        var (status, _) = await SendAsync(_http, Finish(UrlOf(record), Md5(data)));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Md5(data), server.Uploads.Single().Md5OfStoredBytes);
        Assert.False(new DevServerOptions().LargeBufferTransport);
    }

    [Fact]
    public async Task The_custom_multipart_reader_is_opt_in_and_stores_the_same_bytes_and_fields()
    {
        await using var server = await ServerFixture.StartAsync(o => o.CustomMultipartReader = true);
        var data = Bytes(3 * 1024 * 1024 + 17, seed: 26);

        var record = await CreateAsync(_http, server.BaseUrl, data[..(2 * 1024 * 1024)], data.Length);
        await SendAsync(_http, Chunk(UrlOf(record), data[(2 * 1024 * 1024)..], Range(2 * 1024 * 1024, data.Length - 2 * 1024 * 1024, data.Length)));
        var (status, done) = await SendAsync(_http, Finish(UrlOf(record), Md5(data)));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Md5(data), server.Uploads.Single().Md5OfStoredBytes);
        Assert.Equal(data.Length, done.GetProperty("offset").GetInt64());
        Assert.Equal("data.bin", done.GetProperty("filename").GetString());
        Assert.False(new DevServerOptions().CustomMultipartReader);
    }

    public static TheoryData<string[], Func<DevServerOptions, object?>, object?> NewOptions => new()
    {
        { ["--record-shape", "synapse"], o => o.RecordShape, RecordShape.Synapse },
        { ["--offset-key", "offset"], o => o.OffsetKey, "offset" },
        { ["--json-only"], o => o.JsonOnly, true },
        { ["--advertise-url", "http://elsewhere.invalid/"], o => o.AdvertiseUrl, new Uri("http://elsewhere.invalid/") },
        { ["--bind", "127.0.0.2"], o => o.BindAddress, IPAddress.Parse("127.0.0.2") },
        { ["--large-buffer-transport"], o => o.LargeBufferTransport, true },
        { ["--multipart-reader", "custom"], o => o.CustomMultipartReader, true },
        { ["--multipart-reader", "framework"], o => o.CustomMultipartReader, false },
        { ["--https"], o => o.Https, true },
        { ["--https", "--certificate-out", "/tmp/c.pem"], o => o.CertificateOut, "/tmp/c.pem" },
        { ["--https", "--client-certificate", "required"], o => o.RequireClientCertificate, true },
        { ["--https", "--client-certificate", "required", "--client-ca-out", "/tmp/c.pfx"], o => o.ClientPfxOut, "/tmp/c.pfx" },
        { ["--https", "--client-certificate", "required", "--client-pfx-password", "pw"], o => o.ClientPfxPassword, "pw" },
        { ["--record-shape", "synapse", "--finish-lie", "checksum"], o => o.Faults.FinishLie, "checksum" },
    };

    [Theory]
    [MemberData(nameof(NewOptions))]
    public void Every_option_parses_and_is_documented(string[] args, Func<DevServerOptions, object?> read, object? expected)
    {
        var options = DevServerOptions.Parse(args);

        Assert.Equal(expected, read(options));
        Assert.All(args.Where(a => a.StartsWith("--")), a => Assert.Contains(a, DevServerOptions.Usage));
    }

    [Theory]
    [InlineData("--certificate-out", "/tmp/c.pem")]
    [InlineData("--client-certificate", "required")]
    [InlineData("--offset-key", "expected")]
    [InlineData("--record-shape", "django")]
    [InlineData("--multipart-reader", "fast")]
    public void Options_that_cannot_work_are_refused_at_start(string name, string value) =>
        Assert.Throws<ArgumentException>(() => DevServerOptions.Parse([name, value]));
}
