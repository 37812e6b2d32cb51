using System.Net;
using System.Net.Http.Json;
using static SynapsePS.DevServer.Tests.RawRequests;

namespace SynapsePS.DevServer.Tests;

/// <summary>
/// Faults replaced at run time (POST /_dev/faults) start every chunk's streak anew, so one server per test file gives
/// each test the faults it asks for, whatever streak an earlier test left unfinished.
/// </summary>
public sealed class FaultStreakTests : IAsyncLifetime
{
    private readonly ServerFixture _fixture = new();
    private Uri Base => _fixture.Server.BaseUrl;

    public Task InitializeAsync() => _fixture.InitializeAsync();
    public Task DisposeAsync() => _fixture.DisposeAsync();

    private async Task SetFaultsAsync(object faults)
    {
        using var answer = await _fixture.Http.PostAsJsonAsync(new Uri(Base, "_dev/faults"), faults);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    private async Task<HttpStatusCode> PutFirstChunkAsync()
    {
        var (status, _) = await SendAsync(_fixture.Http, Chunk(new Uri(Base, "chunked_upload/"), Bytes(100), Range(0, 100, 100)));
        return status;
    }

    [Fact]
    public async Task New_faults_fault_a_chunk_whose_streak_the_old_ones_had_used_up()
    {
        await SetFaultsAsync(new { failRate = 1, failStatuses = new[] { 503 }, maxConsecutiveFaults = 1 });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await PutFirstChunkAsync());
        Assert.Equal(HttpStatusCode.OK, await PutFirstChunkAsync());   // the streak is used up: the same chunk goes through

        await SetFaultsAsync(new { failRate = 1, failStatuses = new[] { 503 }, maxConsecutiveFaults = 1 });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await PutFirstChunkAsync());
        await SetFaultsAsync(new { throttleRate = 1, maxConsecutiveFaults = 1 });

        Assert.Equal(HttpStatusCode.TooManyRequests, await PutFirstChunkAsync());
    }
}
