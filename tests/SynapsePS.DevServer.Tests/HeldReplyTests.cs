using System.Net;
using System.Text;
using System.Text.Json;
using static SynapsePS.DevServer.Tests.RawRequests;

namespace SynapsePS.DevServer.Tests;

/// <summary>The held-reply faults: the chunk is stored, the reply's headers go out, its body never or a byte at a time.</summary>
public sealed class HeldReplyTests : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { UseProxy = false });

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task A_stalled_reply_sends_its_headers_and_no_body_while_the_chunk_is_stored()
    {
        await using var server = await ServerFixture.StartAsync(o => { o.Faults.StallReplyRate = 1; o.Faults.StallSeconds = 1; });
        var data = Bytes(100, seed: 31);

        using var response = await _http.SendAsync(Chunk(new Uri(server.BaseUrl, "chunked_upload/"), data, Range(0, data.Length, 200)),
            HttpCompletionOption.ResponseHeadersRead);
        using var body = await response.Content.ReadAsStreamAsync();
        // The body is promised and never sent: when the stall ends the server cuts the connection, and not one byte came.
        var received = 0;
        var cut = await Record.ExceptionAsync(async () =>
        {
            int n;
            while ((n = await body.ReadAsync(new byte[16])) > 0) received += n;
        });

        Assert.IsAssignableFrom<IOException>(cut);
        Assert.Equal(0, received);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Content.Headers.ContentLength > 0);
        Assert.Equal(100, Assert.Single(server.Uploads).Offset);
    }

    [Fact]
    public async Task A_dripping_reply_arrives_whole_a_byte_at_a_time()
    {
        await using var server = await ServerFixture.StartAsync();
        using (var on = await _http.PostAsync(new Uri(server.BaseUrl, "_dev/faults"),
            new StringContent("""{"dripReplyRate":1,"dripSeconds":0.01}""", Encoding.UTF8, "application/json")))
            Assert.Equal(HttpStatusCode.OK, on.StatusCode);
        var data = Bytes(100, seed: 32);

        var (status, record) = await SendAsync(_http, Chunk(new Uri(server.BaseUrl, "chunked_upload/"), data, Range(0, data.Length, 200)));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(100, record.GetProperty("offset").GetInt64());
        Assert.Contains(server.Requests, r => r.Fault == "drip-reply");
    }

    [Fact]
    public async Task A_drip_without_a_positive_interval_is_refused()
    {
        await using var server = await ServerFixture.StartAsync();

        using var answer = await _http.PostAsync(new Uri(server.BaseUrl, "_dev/faults"),
            new StringContent("""{"dripReplyRate":1,"dripSeconds":0}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("dripSeconds", JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
    }
}
