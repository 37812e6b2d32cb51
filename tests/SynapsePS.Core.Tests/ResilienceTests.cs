using SynapsePS.Resilience;
using SynapsePS.DevServer;

namespace SynapsePS.Core.Tests;

/// <summary>Retries, resync and refusals against the dev server's real fault injection.</summary>
public sealed class ResilienceTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private const int Chunk = UploadOptions.MinChunkSize;
    private readonly Scratch _scratch = new();

    public void Dispose()
    {
        SetFaults(_ => { });
        _scratch.Dispose();
    }

    private void SetFaults(Action<FaultOptions> configure)
    {
        var f = fixture.Server.Options.Faults;
        f.FailRate = f.ThrottleRate = f.DropRate = f.LoseAckRate = f.StallRate = 0;
        f.LatencyMs = 0;
        f.Seed = 7;
        configure(f);
    }

    private async Task<(UploadResult Result, string Path)> UploadAsync(string name, long size, UploadOptions? options = null, RecordingLog? log = null)
    {
        var path = _scratch.File(name, size, seed: name.Length);
        var client = new SynapseUploadClient(fixture.Connection(), options ?? _scratch.Options(Chunk));
        return (await client.UploadFileAsync(path, null, log), path);
    }

    private void AssertStoredIntact(UploadResult result, string path)
    {
        var md5 = Scratch.Md5(path);
        Assert.Equal(md5, result.Md5);
        var stored = fixture.Server.Uploads.Single(u => u.Id == result.Id);
        Assert.Equal("complete", stored.Status);
        Assert.Equal(md5, Scratch.Md5(stored.StoredPath));
    }

    [Fact]
    public async Task Thirty_percent_5xx_still_completes_every_file_and_counts_retries()
    {
        SetFaults(f => { f.FailRate = 0.3; f.FailStatuses = new[] { 503, 500 }; f.RetryAfterSeconds = 0; });
        var retries = 0;
        for (var i = 0; i < 4; i++)
        {
            var (result, path) = await UploadAsync($"fail-{i}.bin", Chunk * 6 + i);
            AssertStoredIntact(result, path);
            retries += result.Retries;
        }
        Assert.True(retries > 0, "30% injected failures over 28 chunk requests caused no retry");
        Assert.Contains(fixture.Server.Requests, r => r.Status is 500 or 503);
    }

    [Fact]
    public async Task Connections_dropped_mid_body_still_complete()
    {
        SetFaults(f => f.DropRate = 0.4);
        var (result, path) = await UploadAsync("drop.bin", Chunk * 6 + 5);
        AssertStoredIntact(result, path);
        Assert.True(result.Retries > 0);
        Assert.True(result.BytesSent > result.Length, "dropped bodies are resent, so more bytes go out than the file has");
    }

    [Fact]
    public async Task Retry_After_is_honoured_between_the_two_requests()
    {
        SetFaults(f => { f.ThrottleRate = 1; f.ThrottleRetryAfterSeconds = 2; f.MaxConsecutiveFaults = 1; });
        fixture.Server.ResetLog();
        var (result, path) = await UploadAsync("throttle.bin", 100, _scratch.Options(Chunk));
        AssertStoredIntact(result, path);

        var log = fixture.Server.Requests.Where(r => r.Method == "PUT").ToList();
        var throttled = log.First(r => r.Status == 429);
        var next = log[log.IndexOf(throttled) + 1];
        Assert.True(next.ReceivedAt - throttled.CompletedAt >= TimeSpan.FromSeconds(1.95),
            $"the retry came {(next.ReceivedAt - throttled.CompletedAt).TotalSeconds:0.00} s after the 429");
    }

    [Fact]
    public async Task Lost_acknowledgement_resyncs_to_the_servers_offset()
    {
        SetFaults(f => f.LoseAckRate = 0.5);
        var log = new RecordingLog();
        var (result, path) = await UploadAsync("lost-ack.bin", Chunk * 6 + 77, log: log);
        AssertStoredIntact(result, path);
        Assert.Contains(fixture.Server.Requests, r => r.Fault == "lose-ack");
        Assert.Contains(log.VerboseLines, l => l.Contains("the server holds", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stalled_connection_is_abandoned_and_retried()
    {
        SetFaults(f => { f.StallRate = 1; f.StallSeconds = 30; f.MaxConsecutiveFaults = 1; });
        var options = _scratch.Options(Chunk);
        options.Timeout = TimeSpan.FromSeconds(1);
        var started = DateTime.UtcNow;
        var (result, path) = await UploadAsync("stall.bin", Chunk * 2, options);
        AssertStoredIntact(result, path);
        Assert.True(result.Retries >= 1);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(25), "a stall must be cut by the inactivity timeout, not waited out");
    }

    [Theory]
    [InlineData(413, SynapseErrorKind.FileTooLarge)]
    [InlineData(507, SynapseErrorKind.InsufficientStorage)]
    public async Task Limits_fail_at_once_without_retry(int status, SynapseErrorKind kind)
    {
        await using var server = await ServerFixture.StartAsync(o =>
        {
            o.Tokens.Clear();
            if (status == 413) o.MaxUploadBytes = 1000;
            else o.QuotaBytes = 1000;
        });
        var path = _scratch.File($"limit-{status}.bin", 5000);
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, "t"), _scratch.Options(Chunk));

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path));

        Assert.Equal(kind, ex.Kind);
        Assert.Equal(status, ex.StatusCode);
        Assert.False(string.IsNullOrEmpty(ex.Detail));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Forbidden_is_not_retried()
    {
        // A server (or the proxy in front of it) that refuses every upload request with 403.
        await using var server = await ServerFixture.StartAsync(o => o.Faults.RefuseStatus = 403);
        var path = _scratch.File("forbidden.bin", 100);
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, ServerFixture.Token), _scratch.Options(Chunk));

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path));

        Assert.Equal(SynapseErrorKind.AccessDenied, ex.Kind);
        Assert.Equal(403, ex.StatusCode);
        Assert.Equal("You do not have permission to perform this action.", ex.Detail);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Unreachable_server_fails_as_ConnectionFailed_after_the_retries()
    {
        var port = ServerFixture.FreePort();
        var path = _scratch.File("unreachable.bin", 100);
        var client = new SynapseUploadClient(new SynapseConnection(new Uri($"http://127.0.0.1:{port}/"), "t"), _scratch.Options(Chunk, maxRetries: 2));

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path));

        Assert.Equal(SynapseErrorKind.ConnectionFailed, ex.Kind);
        Assert.Null(ex.StatusCode);
        Assert.True(ex.IsTransient);
        Assert.False(FailureClassifier.ServerWasReached(ex), "a refused connection is no sign of the server");
    }

    // A server stopped while the call's first request waited for its answer: no answer ever came, but the request
    // reached it, so the outage limit holds the call (and does not take the address for a wrong one).
    [Fact]
    public async Task A_request_taken_whole_and_never_answered_shows_the_server_was_reached()
    {
        using var server = new CaptureServer();
        server.HangUp("/chunked_upload/");
        var path = _scratch.File("hung-up.bin", 100);
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, "t", allowUnencryptedAuthentication: true), _scratch.Options(Chunk, maxRetries: 0));

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path));

        Assert.Equal(SynapseErrorKind.ConnectionFailed, ex.Kind);
        Assert.True(FailureClassifier.ServerWasReached(ex), ex.ToString());
        Assert.False(FailureClassifier.ServerAnswered(ex));
    }

    [Fact]
    public async Task File_appended_during_upload_fails_and_is_never_finished()
    {
        SetFaults(f => f.LatencyMs = 50);
        var path = _scratch.File("growing.bin", Chunk * 4);
        var client = new SynapseUploadClient(fixture.Connection(), _scratch.Options(Chunk));
        var appended = 0;
        var progress = new InlineProgress(p =>
        {
            if (p.BytesDone > Chunk && Interlocked.Exchange(ref appended, 1) == 0)
            {
                using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                stream.Write(new byte[10]);
            }
        });
        fixture.Server.ResetLog();

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path, progress));

        Assert.Equal(SynapseErrorKind.FileChangedDuringUpload, ex.Kind);
        Assert.DoesNotContain(fixture.Server.Requests, r => r.Method == "POST");
        var id = fixture.Server.Requests.First(r => r.UploadId is not null).UploadId;
        Assert.Equal("uploading", fixture.Server.Uploads.Single(u => u.Id == id).Status);
    }

    [Fact]
    public async Task Never_finishes_before_every_byte_is_acknowledged()
    {
        SetFaults(f => { f.FailRate = 0.3; f.DropRate = 0.2; f.LoseAckRate = 0.2; });
        fixture.Server.ResetLog();
        var (result, path) = await UploadAsync("finish-guard.bin", Chunk * 5 + 3);
        AssertStoredIntact(result, path);

        var log = fixture.Server.Requests.Where(r => r.UploadId == result.Id).ToList();
        var post = log.Single(r => r.Method == "POST");
        var lastPut = log.Where(r => r.Method == "PUT" && r.Status == 200 && r.CompletedAt <= post.ReceivedAt).Last();
        Assert.EndsWith($"-{result.Length - 1}/{result.Length}", lastPut.ContentRange);
    }
}
