using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static SynapsePS.DevServer.Tests.RawRequests;

namespace SynapsePS.DevServer.Tests;

/// <summary>
/// POST /_dev/limits: the upload limit and the quota changed while the server runs, as --max-size and --quota set them
/// at start, so one server per test file serves the tests that need a small limit and those that need none.
/// </summary>
public sealed class RunTimeLimitsTests : IAsyncLifetime
{
    private readonly ServerFixture _fixture = new();
    private HttpClient Http => _fixture.Http;
    private Uri Base => _fixture.Server.BaseUrl;

    public Task InitializeAsync() => _fixture.InitializeAsync();
    public Task DisposeAsync() => _fixture.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> SetLimitsAsync(object limits)
    {
        using var answer = await Http.PostAsJsonAsync(new Uri(Base, "_dev/limits"), limits);
        return (answer.StatusCode, await answer.Content.ReadFromJsonAsync<JsonElement>());
    }

    private async Task<HttpStatusCode> PutFirstChunkAsync(int length, int total)
    {
        var (status, _) = await SendAsync(Http, Chunk(new Uri(Base, "chunked_upload/"), Bytes(length), Range(0, length, total)));
        return status;
    }

    [Fact]
    public async Task A_size_limit_set_at_run_time_refuses_larger_uploads_with_413_until_it_is_turned_off()
    {
        Assert.Equal(HttpStatusCode.OK, await PutFirstChunkAsync(100, 5000));

        var (set, now) = await SetLimitsAsync(new { maxUploadBytes = 1000 });
        Assert.Equal(HttpStatusCode.OK, set);
        Assert.Equal(1000, now.GetProperty("maxUploadBytes").GetInt64());
        Assert.Equal(1000, _fixture.Server.Options.MaxUploadBytes);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await PutFirstChunkAsync(100, 5000));
        Assert.Equal(HttpStatusCode.OK, await PutFirstChunkAsync(100, 1000));

        var (off, none) = await SetLimitsAsync(new { });
        Assert.Equal(HttpStatusCode.OK, off);
        Assert.Equal(JsonValueKind.Null, none.GetProperty("maxUploadBytes").ValueKind);
        Assert.Equal(HttpStatusCode.OK, await PutFirstChunkAsync(100, 5000));
    }

    [Fact]
    public async Task A_quota_set_at_run_time_refuses_with_507_and_GET_reads_the_limits_back()
    {
        var (set, _) = await SetLimitsAsync(new { quotaBytes = 150 });
        Assert.Equal(HttpStatusCode.OK, set);
        var read = await Http.GetFromJsonAsync<JsonElement>(new Uri(Base, "_dev/limits"));
        Assert.Equal(150, read.GetProperty("quotaBytes").GetInt64());

        Assert.Equal(HttpStatusCode.OK, await PutFirstChunkAsync(100, 5000));
        Assert.Equal(HttpStatusCode.InsufficientStorage, await PutFirstChunkAsync(100, 5000));
    }

    [Theory]
    [InlineData("""{"maxUploadBytes": 0}""", "maxUploadBytes")]
    [InlineData("""{"quotaBytes": -1}""", "quotaBytes")]
    public async Task Impossible_limits_are_refused_with_400_and_change_nothing(string json, string named)
    {
        await SetLimitsAsync(new { maxUploadBytes = 5000 });
        using var answer = await Http.PostAsync(new Uri(Base, "_dev/limits"), new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains(named, Detail(await answer.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Equal(5000, _fixture.Server.Options.MaxUploadBytes);
        Assert.Null(_fixture.Server.Options.QuotaBytes);
    }
}
