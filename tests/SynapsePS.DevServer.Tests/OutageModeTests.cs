using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static SynapsePS.DevServer.Tests.RawRequests;

namespace SynapsePS.DevServer.Tests;

/// <summary>
/// What the tests of outages stand on: a server that comes back after a crash holding its uploads (--persist),
/// refusal windows (every PUT and POST answered 503, 507 or 403 for a while), and a request log that tells when
/// each request arrived and what it was answered.
/// </summary>
public sealed class OutageModeTests : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { UseProxy = false });
    private readonly string _storage = Path.Combine(Path.GetTempPath(), "synapseps-outage-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _http.Dispose();
        try { Directory.Delete(_storage, recursive: true); } catch (IOException) { }
    }

    /// <summary>The kit's fixture with its store kept on disk, as a test class needing restarts would declare it.</summary>
    private sealed class PersistingFixture(string storage) : ServerFixture
    {
        protected override void Configure(DevServerOptions options)
        {
            options.PersistUploads = true;
            options.StorageDirectory = storage;
            options.RecordShape = RecordShape.Synapse;
        }
    }

    [Fact]
    public async Task A_persisting_server_restarted_on_its_port_serves_the_same_uploads_and_continues_them()
    {
        var data = Bytes(1000, seed: 3);
        var fixture = new PersistingFixture(_storage);
        await fixture.InitializeAsync();
        try
        {
            var before = await CreateAsync(_http, fixture.Server.BaseUrl, data[..400], data.Length);
            var done = await CreateAsync(_http, fixture.Server.BaseUrl, data[..10], 10);
            await SendAsync(_http, Finish(UrlOf(done), Md5(data.AsSpan(0, 10))));
            var port = fixture.Server.BaseUrl.Port;

            await fixture.RestartAsync(TimeSpan.FromMilliseconds(200));
            var (status, after) = await SendAsync(_http, Get(UrlOf(before)));
            var (next, moved) = await SendAsync(_http, Chunk(UrlOf(before), data[400..], Range(400, 600, data.Length)));
            var (finished, _) = await SendAsync(_http, Finish(UrlOf(before), Md5(data)));
            var third = await CreateAsync(_http, fixture.Server.BaseUrl, data[..5], 5);

            Assert.Equal(port, fixture.Server.BaseUrl.Port);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(before.GetProperty("id").GetInt64(), after.GetProperty("id").GetInt64());
            Assert.Equal(UrlOf(before), UrlOf(after));
            Assert.Equal(400, after.GetProperty("offset").GetInt64());
            Assert.Equal((HttpStatusCode.OK, 1000L), (next, moved.GetProperty("offset").GetInt64()));
            Assert.Equal(HttpStatusCode.OK, finished);   // the MD5 so far came back with the bytes
            Assert.Equal(3, third.GetProperty("id").GetInt64());   // numbering goes on
            Assert.Equal(new[] { "complete", "complete", "uploading" }, fixture.Server.Uploads.Select(u => u.Status));
            Assert.Equal(Md5(data), fixture.Server.Uploads.First().Md5OfStoredBytes);
            // The log goes on across the restart: the upload's requests before and after it, numbered in one series.
            var log = fixture.Server.Requests;
            Assert.Equal(Enumerable.Range(1, 7).Select(n => (long)n), log.Select(r => r.Number));
            Assert.Equal(new[] { "PUT", "GET", "PUT", "POST" }, log.Where(r => r.UploadId == before.GetProperty("id").GetRawText()).Select(r => r.Method));
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    [Fact]
    public async Task Without_persist_a_restarted_server_has_forgotten_its_uploads()
    {
        await using var first = await ServerFixture.StartAsync(o => o.StorageDirectory = _storage);
        var record = await CreateAsync(_http, first.BaseUrl, Bytes(10), 20);
        var options = first.Options;
        options.Port = first.BaseUrl.Port;
        await first.StopAbruptlyAsync();
        await using var second = await DevServer.StartAsync(options);

        var (status, _) = await SendAsync(_http, Get(UrlOf(record)));

        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task The_executable_killed_and_started_again_on_its_port_and_folder_serves_the_same_upload()
    {
        string url;
        JsonElement record;
        using (var first = await ServerProcess.StartAsync("--persist", "--storage", _storage, "--token", TokenA))
        {
            url = first.FirstLine!;
            record = await CreateAsync(_http, new Uri(url), Bytes(300), 900);
            first.Kill();
        }
        var port = new Uri(url).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var again = await ServerProcess.StartAsync("--persist", "--storage", _storage, "--token", TokenA, "--port", port);

        var (status, after) = await SendAsync(_http, Get(UrlOf(record)));

        var log = await _http.GetFromJsonAsync<JsonElement>(new Uri(new Uri(url), "_dev/requests"));

        Assert.Equal(url, again.FirstLine);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(new[] { "PUT 1", "GET 2" }, log.EnumerateArray().Select(r => $"{r.GetProperty("method").GetString()} {r.GetProperty("number").GetInt64()}"));
        Assert.Equal(record.GetProperty("id").GetString(), after.GetProperty("id").GetString());
        Assert.Equal(300, after.GetProperty("offset").GetInt64());
    }

    [Theory]
    [InlineData(503, "Service temporarily unavailable, try again later.")]
    [InlineData(507, "Insufficient storage")]
    [InlineData(403, "You do not have permission to perform this action.")]
    public async Task A_refusal_window_answers_every_put_and_post_with_its_status_and_lets_gets_through(int refused, string detail)
    {
        await using var server = await ServerFixture.StartAsync();
        var record = await CreateAsync(_http, server.BaseUrl, Bytes(10), 30);
        await SetFaultsAsync(server, new { refuseStatus = refused, refuseRetryAfterSeconds = 2 });

        using var put = await _http.SendAsync(Chunk(UrlOf(record), Bytes(10), Range(10, 10, 30)));
        var (created, createdBody) = await SendAsync(_http, Chunk(new Uri(server.BaseUrl, "chunked_upload/"), Bytes(10), Range(0, 10, 10)));
        var (finish, _) = await SendAsync(_http, Finish(UrlOf(record), Md5(Bytes(10))));
        var (unauthenticated, _) = await SendAsync(_http, Chunk(UrlOf(record), Bytes(10), Range(10, 10, 30), token: null));
        var (get, got) = await SendAsync(_http, Get(UrlOf(record)));

        Assert.Equal(refused, (int)put.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), put.Headers.RetryAfter?.Delta);
        Assert.Equal((refused, detail), ((int)created, Detail(createdBody)));
        Assert.Equal(refused, (int)finish);
        Assert.Equal(refused, (int)unauthenticated);   // before auth, as the front of a server answers
        Assert.Equal((HttpStatusCode.OK, 10L), (get, got.GetProperty("offset").GetInt64()));
        Assert.Single(server.Uploads);
        Assert.All(server.Requests.Where(r => r.Method != "GET" && r.Number > 1), r => Assert.Equal((refused, $"refuse-{refused}"), (r.Status, r.Fault)));
    }

    [Fact]
    public async Task A_timed_window_closes_by_itself_and_an_empty_fault_set_closes_one_at_once()
    {
        await using var server = await ServerFixture.StartAsync(o => { o.Faults.RefuseStatus = 503; o.Faults.RefuseSeconds = 1.5; });

        var (during, _) = await SendAsync(_http, Chunk(new Uri(server.BaseUrl, "chunked_upload/"), Bytes(10), Range(0, 10, 10)));
        await Task.Delay(server.Options.Faults.RefuseUntil!.Value - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(100));
        var (after, _) = await SendAsync(_http, Chunk(new Uri(server.BaseUrl, "chunked_upload/"), Bytes(10), Range(0, 10, 10)));
        await SetFaultsAsync(server, new { refuseStatus = 507 });
        var (open, _) = await SendAsync(_http, Chunk(new Uri(server.BaseUrl, "chunked_upload/"), Bytes(10), Range(0, 10, 10)));
        await SetFaultsAsync(server, new { });
        var (closed, _) = await SendAsync(_http, Chunk(new Uri(server.BaseUrl, "chunked_upload/"), Bytes(10), Range(0, 10, 10)));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during);
        Assert.Equal(HttpStatusCode.OK, after);
        Assert.Equal(HttpStatusCode.InsufficientStorage, open);   // no refuseSeconds: open until turned off
        Assert.Equal(HttpStatusCode.OK, closed);
    }

    [Theory]
    [InlineData("""{"refuseStatus": 200}""", "400-599")]
    [InlineData("""{"refuseStatus": 503, "refuseSeconds": 0}""", "positive")]
    [InlineData("""{"refuseSeconds": 5}""", "need refuseStatus")]
    public async Task A_window_that_cannot_work_is_refused_with_the_reason(string faults, string reason)
    {
        await using var server = await ServerFixture.StartAsync();

        var (status, body) = await SendAsync(_http, new HttpRequestMessage(HttpMethod.Post, new Uri(server.BaseUrl, "_dev/faults"))
        {
            Content = new StringContent(faults, System.Text.Encoding.UTF8, "application/json"),
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(reason, Detail(body));
        Assert.Null(server.Options.Faults.RefuseStatus);
    }

    [Fact]
    public void The_window_options_parse_from_the_command_line_and_need_each_other()
    {
        var o = DevServerOptions.Parse(["--refuse", "503", "--refuse-seconds", "20", "--refuse-retry-after", "2", "--persist"]);

        Assert.Equal((503, 20.0, 2, true), (o.Faults.RefuseStatus, o.Faults.RefuseSeconds, o.Faults.RefuseRetryAfterSeconds, o.PersistUploads));
        Assert.Contains("need refuseStatus", Assert.Throws<ArgumentException>(() => DevServerOptions.Parse(["--refuse-seconds", "20"])).Message);
        Assert.All(new[] { "--refuse ", "--refuse-seconds", "--refuse-retry-after", "--persist" }, name => Assert.Contains(name, DevServerOptions.Usage));
    }

    [Fact]
    public async Task The_request_log_numbers_requests_as_they_arrive_and_keeps_when_each_came_and_was_answered()
    {
        await using var server = await ServerFixture.StartAsync();
        var record = await CreateAsync(_http, server.BaseUrl, Bytes(10), 30);
        await SetFaultsAsync(server, new { latencyMs = 1500 });

        // A slow chunk arrives first (it is stored, then its answer waits) and is answered last.
        var slow = _http.SendAsync(Chunk(UrlOf(record), Bytes(10), Range(10, 10, 30)));
        await WaitUntilAsync(() => server.Uploads.Single().Offset == 20);
        var (quick, _) = await SendAsync(_http, Get(UrlOf(record)));
        using var slowAnswer = await slow;
        var log = server.Requests;

        Assert.Equal(HttpStatusCode.OK, quick);
        Assert.Equal(HttpStatusCode.OK, slowAnswer.StatusCode);
        Assert.Equal(new long[] { 1, 3, 2 }, log.Select(r => r.Number));   // written as answered
        Assert.Equal(new[] { "PUT", "GET", "PUT" }, log.Select(r => r.Method));
        Assert.Equal(new[] { 200, 200, 200 }, log.Select(r => r.Status));
        Assert.All(log, r => Assert.True(r.ReceivedAt <= r.CompletedAt));
        var byArrival = log.OrderBy(r => r.Number).ToList();
        Assert.True(byArrival[1].ReceivedAt < byArrival[2].ReceivedAt && byArrival[2].CompletedAt < byArrival[1].CompletedAt);
    }

    private async Task SetFaultsAsync(DevServer server, object faults)
    {
        using var answer = await _http.PostAsJsonAsync(new Uri(server.BaseUrl, "_dev/faults"), faults);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(20);
        Assert.True(condition());
    }
}
