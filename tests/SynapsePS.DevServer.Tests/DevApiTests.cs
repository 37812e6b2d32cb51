using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static SynapsePS.DevServer.Tests.RawRequests;

namespace SynapsePS.DevServer.Tests;

/// <summary>The inspection endpoints (/_dev/*) that tests read while uploads are under way.</summary>
public sealed class DevApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _http = fixture.Http;
    private Uri Base => fixture.Server.BaseUrl;

    [Fact]
    public async Task The_upload_listing_answers_while_chunks_are_committed_and_ends_with_each_uploads_md5()
    {
        const int Chunk = 1024, Chunks = 150;
        var files = Enumerable.Range(1, 3).Select(seed => Bytes(Chunk * Chunks, seed: 40 + seed)).ToArray();
        var refused = new List<HttpStatusCode>();
        var listings = 0;
        using var done = new CancellationTokenSource();

        var reader = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                using var answer = await _http.GetAsync(new Uri(Base, "_dev/uploads"));
                listings++;
                if (answer.StatusCode != HttpStatusCode.OK) refused.Add(answer.StatusCode);
            }
        });
        var urls = await Task.WhenAll(files.Select(async data =>
        {
            var url = UrlOf(await CreateAsync(_http, Base, data[..Chunk], data.Length, filename: $"listed-{data[0]}.bin"));
            for (var i = 1; i < Chunks; i++)
            {
                var (status, _) = await SendAsync(_http, RawRequests.Chunk(url, data[(i * Chunk)..((i + 1) * Chunk)], Range(i * Chunk, Chunk, data.Length)));
                Assert.Equal(HttpStatusCode.OK, status);
            }
            return url;
        }));
        done.Cancel();
        await reader;

        Assert.Empty(refused);
        Assert.True(listings > 1, $"only {listings} listing(s) ran beside the uploads");
        var held = await _http.GetFromJsonAsync<JsonElement>(new Uri(Base, "_dev/uploads"));
        for (var i = 0; i < files.Length; i++)
        {
            var id = urls[i].Segments[^1].TrimEnd('/');
            var record = held.EnumerateArray().Single(u => u.GetProperty("id").GetString() == id);
            Assert.Equal(Md5(files[i]), record.GetProperty("md5OfStoredBytes").GetString());
        }
    }
}
