using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static SynapsePS.DevServer.Tests.RawRequests;

namespace SynapsePS.DevServer.Tests;

/// <summary>
/// A server far away and a server with few workers, as the tests of adaptive concurrency and the benchmark need
/// them: latency on every PUT and POST, a capacity (--max-inflight) that answers 503 without Retry-After, both
/// changeable at run time, and GET /_dev/inflight telling the most requests served at once.
/// </summary>
public sealed class CapacityTests : IAsyncLifetime
{
    private readonly HttpClient _http = new(new HttpClientHandler { UseProxy = false });
    private DevServer _server = null!;
    private Uri Base => _server.BaseUrl;

    public async Task InitializeAsync() => _server = await ServerFixture.StartAsync();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Latency_set_at_run_time_delays_the_first_chunk_the_later_chunks_and_the_finish()
    {
        await SetFaultsAsync(new { latencyMs = 300 });
        var data = Bytes(20, seed: 5);
        var url = UrlOf(await CreateAsync(_http, Base, data[..10], data.Length));
        await SendAsync(_http, Chunk(url, data[10..], Range(10, 10, data.Length)));
        var (finished, _) = await SendAsync(_http, Finish(url, Md5(data)));

        Assert.Equal(HttpStatusCode.OK, finished);
        var served = _server.Requests.OrderBy(r => r.Number).ToArray();
        Assert.Equal(new[] { "PUT", "PUT", "POST" }, served.Select(r => r.Method));
        // The server's own timestamps: each request was held at least the latency before its answer.
        Assert.All(served, r => Assert.True(r.CompletedAt - r.ReceivedAt >= TimeSpan.FromMilliseconds(290),
            $"{r.Method} {r.Path} took {(r.CompletedAt - r.ReceivedAt).TotalMilliseconds} ms"));

        await SetFaultsAsync(new { latencyMs = 0 });
        _server.ResetLog();
        await CreateAsync(_http, Base, data[..10], data.Length);
        Assert.True(_server.Requests.Single().CompletedAt - _server.Requests.Single().ReceivedAt < TimeSpan.FromMilliseconds(290));
    }

    [Fact]
    public async Task A_request_arriving_while_the_capacity_is_served_gets_503_without_retry_after_and_is_logged()
    {
        await SetFaultsAsync(new { latencyMs = 3000, maxInflight = 2 });
        var held = new[] { 1, 2 }.Select(seed => CreateAsync(_http, Base, Bytes(10, seed), 10)).ToArray();
        await WaitUntilAsync(() => _server.InflightNow == 2);

        using var listing = await _http.SendAsync(Get(new Uri(Base, "chunked_upload/")));   // GETs are not limited
        using var over = await _http.SendAsync(Chunk(new Uri(Base, "chunked_upload/"), Bytes(10, 3), Range(0, 10, 10)));
        var inflight = await _http.GetFromJsonAsync<JsonElement>(new Uri(Base, "_dev/inflight"));
        await Task.WhenAll(held);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, over.StatusCode);
        Assert.Null(over.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, listing.StatusCode);
        Assert.Equal(3, inflight.GetProperty("most").GetInt32());   // the two held PUTs and the listing beside them
        Assert.Equal(1, inflight.GetProperty("refused").GetInt64());
        Assert.Equal(2, inflight.GetProperty("capacity").GetInt32());
        var refused = Assert.Single(_server.Requests, r => r.Fault == "max-inflight");
        Assert.Equal(("PUT", 503), (refused.Method, refused.Status));
        Assert.Equal(2, _server.Uploads.Count);
    }

    [Fact]
    public async Task The_capacity_turned_off_at_run_time_lets_every_request_in_and_the_log_reset_starts_the_count_afresh()
    {
        await SetFaultsAsync(new { maxInflight = 1, latencyMs = 1000 });
        var first = CreateAsync(_http, Base, Bytes(10, 1), 10);
        await WaitUntilAsync(() => _server.InflightNow == 1);
        var (refusedStatus, _) = await SendAsync(_http, Chunk(new Uri(Base, "chunked_upload/"), Bytes(10, 2), Range(0, 10, 10)));
        await first;

        await SetFaultsAsync(new { latencyMs = 1000 });
        _server.ResetLog();
        var both = new[] { 3, 4 }.Select(seed => CreateAsync(_http, Base, Bytes(10, seed), 10)).ToArray();
        await WaitUntilAsync(() => _server.InflightNow == 2);
        await Task.WhenAll(both);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refusedStatus);
        Assert.Equal(2, _server.MostInflight);
        Assert.Equal(0, _server.RefusedForCapacity);
        Assert.DoesNotContain(_server.Requests, r => r.Fault is not null);
    }

    [Fact]
    public void The_capacity_is_a_command_line_option_and_takes_positive_counts_only()
    {
        Assert.Equal(8, DevServerOptions.Parse(["--max-inflight", "8"]).Faults.MaxInflight);
        Assert.Null(DevServerOptions.Parse([]).Faults.MaxInflight);
        Assert.Throws<ArgumentException>(() => DevServerOptions.Parse(["--max-inflight", "0"]));
        Assert.Throws<ArgumentException>(() => DevServerOptions.Parse(["--latency-ms", "-1"]));
    }

    private async Task SetFaultsAsync(object faults)
    {
        using var answer = await _http.PostAsJsonAsync(new Uri(Base, "_dev/faults"), faults);
        answer.EnsureSuccessStatusCode();
    }

    /// <summary>Waits for the server to reach a state (requests held by its latency), bounded so a broken server fails the test.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var limit = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > limit) throw new TimeoutException("The server never reached the state the test waits for.");
            await Task.Delay(10);
        }
    }
}
