using SynapsePS.Resilience;

namespace SynapsePS.Core.Tests;

/// <summary>
/// A reply's body must arrive whole within the request timeout of its headers. The dev server stores the chunk,
/// sends the reply's headers and then either nothing (stall) or one byte at a time (drip): both are cut, retried and
/// counted as a server that stopped answering. The same sources run on the netstandard2.0 engine.
/// </summary>
public sealed class ReplyDeadlineTests : IDisposable
{
    private const int Chunk = UploadOptions.MinChunkSize;
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private UploadOptions Options(int maxRetries = 3)
    {
        var options = _scratch.Options(Chunk, maxRetries);
        // Small, so the test waits no longer than this (the server would hold each reply for minutes), yet enough for
        // a busy machine to send a chunk and get its headers in time.
        options.Timeout = TimeSpan.FromSeconds(3);
        return options;
    }

    [Theory]
    [InlineData("stall-reply")]
    [InlineData("drip-reply")]
    public async Task A_reply_that_stalls_or_drips_after_its_headers_is_cut_and_the_upload_completes(string fault)
    {
        await using var server = await ServerFixture.StartAsync(o => Hold(o.Faults, fault, maxInARow: 1));
        var path = _scratch.File(fault + ".bin", Chunk * 2 + 11);
        var log = new RecordingLog();
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, ServerFixture.Token), Options());

        var result = await client.UploadFileAsync(path, null, log);

        var md5 = Scratch.Md5(path);
        Assert.Equal(md5, result.Md5);
        var stored = server.Uploads.Single(u => u.Id == result.Id);
        Assert.Equal("complete", stored.Status);
        Assert.Equal(md5, Scratch.Md5(stored.StoredPath));
        Assert.Contains(server.Requests, r => r.Fault == fault);
        // Each held reply was given up at the deadline, not read to its end: the client says so.
        Assert.Contains(log.VerboseLines, l => l.Contains("did not arrive whole within 3.0 s of its headers", StringComparison.Ordinal));
    }

    // A reply held every time is a server that stopped answering: the call waits for it as for an outage, and the
    // request fails its file after as many outages as any other (not for ever, and not as a wrong answer).
    [Theory]
    [InlineData("stall-reply")]
    [InlineData("drip-reply")]
    public async Task A_reply_held_every_time_counts_as_a_server_that_stopped_answering(string fault)
    {
        await using var server = await ServerFixture.StartAsync(o => Hold(o.Faults, fault, maxInARow: 100));
        var path = _scratch.File(fault + "-always.bin", Chunk);
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, ServerFixture.Token), Options(maxRetries: 0));

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path));

        Assert.Equal(SynapseErrorKind.RequestTimedOut, ex.Kind);
        Assert.Null(ex.StatusCode);
        Assert.True(ex.IsTransient);
        Assert.True(FailureClassifier.ServerSeemsGone(ex), ex.ToString());
        var puts = server.Requests.Where(r => r.Method == "PUT").ToList();
        Assert.Equal(1 + FailureClassifier.MaxServerWaitsPerRequest, puts.Count);
        Assert.All(puts, r => Assert.Equal(fault, r.Fault));
        Assert.DoesNotContain(server.Uploads, u => u.Status == "complete");
    }

    private static void Hold(DevServer.FaultOptions faults, string fault, int maxInARow)
    {
        faults.Seed = 5;
        faults.MaxConsecutiveFaults = maxInARow;
        faults.StallSeconds = 600;
        if (fault == "stall-reply") faults.StallReplyRate = 1;
        else
        {
            faults.DripReplyRate = 1;
            faults.DripSeconds = 0.2; // a reply of a few hundred bytes takes a minute or more
        }
    }
}
