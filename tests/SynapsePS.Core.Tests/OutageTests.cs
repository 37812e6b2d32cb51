using SynapsePS.Batch;
using SynapsePS.DevServer;
using SynapsePS.Resilience;
using SynapsePS.Resume;

namespace SynapsePS.Core.Tests;

/// <summary>
/// Whole outages against the real dev server, stopped and started again on its port, with the call on a fake clock:
/// the retries, the outage's probes and its limit all wait on the clock, which the test moves a second at a time
/// whenever the call sleeps on it, so an outage of minutes takes the time of its requests.
/// </summary>
public sealed class OutageTests : IDisposable
{
    private const int Chunk = 64 * 1024;
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);   // real time; a bound never reached

    private readonly Scratch _scratch = new();
    private readonly ParkingClock _clock = new(Start);

    public void Dispose() => _scratch.Dispose();

    private UploadOptions Options(TimeSpan outageTimeout, int maxRetries = 1)
    {
        var options = _scratch.Options(Chunk, maxRetries);
        options.RetryDelay = TimeSpan.FromMilliseconds(50);
        options.OutageTimeout = outageTimeout;
        return options;
    }

    private SynapseUploadClient Client(DevServer.DevServer server, UploadOptions options) =>
        new(new SynapseConnection(server.BaseUrl, ServerFixture.Token), options, _clock);

    private static Task<DevServer.DevServer> StartPersistentAsync(int latencyMs = 0) =>
        ServerFixture.StartAsync(o => { o.PersistUploads = true; o.Faults.LatencyMs = latencyMs; });

    /// <summary>Stops the server as a crash would; <see cref="StartAgainAsync"/> brings the same one back on its port.</summary>
    private static async Task<DevServerOptions> StopAsync(DevServer.DevServer server)
    {
        var options = server.Options;
        options.Port = server.BaseUrl.Port;
        await server.StopAbruptlyAsync();
        return options;
    }

    private static Task<DevServer.DevServer> StartAgainAsync(DevServerOptions options, int latencyMs = 0)
    {
        options.Faults.LatencyMs = latencyMs;
        return DevServer.DevServer.StartAsync(options);
    }

    /// <summary>
    /// Moves the fake clock a second at a time until <paramref name="done"/>, and only while something of the call
    /// sleeps on it; fails past <paramref name="bound"/> of fake time. Returns the fake time it took.
    /// </summary>
    private TimeSpan RunClockUntil(Func<bool> done, TimeSpan bound)
    {
        var from = _clock.GetUtcNow();
        while (!done())
        {
            Assert.True(_clock.GetUtcNow() - from <= bound, $"not done within {bound} of the fake clock");
            Assert.True(SpinWait.SpinUntil(() => done() || _clock.Sleeping > 0, Patience), "the call neither got there nor slept on the clock");
            if (!done()) _clock.Advance(TimeSpan.FromSeconds(1));
        }
        return _clock.GetUtcNow() - from;
    }

    private static void Until(Func<bool> reached, string what) => Assert.True(SpinWait.SpinUntil(reached, Patience), what);

    private static UploadInfo[] UnderWay(DevServer.DevServer server, long minOffset) =>
        server.Uploads.Where(u => u.Status != "complete" && u.Offset >= minOffset).ToArray();

    [Fact]
    public async Task A_server_that_goes_and_comes_back_pauses_the_batch_and_every_file_completes_once_with_its_own_upload()
    {
        var server = await StartPersistentAsync(latencyMs: 40);
        var files = Enumerable.Range(1, 8).Select(i => _scratch.File($"f{i}.bin", 6 * Chunk + i, seed: i)).ToArray();
        var client = Client(server, Options(TimeSpan.FromMinutes(30)));
        var (began, ended) = (new List<string>(), new List<string>());
        client.OutageBegan += (_, line) => { lock (began) began.Add(line); };
        client.OutageEnded += (_, line) => { lock (ended) ended.Add(line); };
        var results = new List<BatchUploadResult>();
        var batch = new UploadBatch(client, 4, null, null, r => { lock (results) results.Add(r); }, CancellationToken.None);
        var submitted = Task.Run(async () => { foreach (var f in files) await batch.SubmitAsync(f); await batch.WhenIdleAsync(); });

        Until(() => UnderWay(server, 2 * Chunk).Length >= 2, "two uploads got under way");
        // A second chunk went out only after the first one's answer gave the call the upload's url.
        var heldIds = UnderWay(server, 2 * Chunk).Select(u => u.Id).ToArray();
        var options = await StopAsync(server);
        RunClockUntil(() => client.IsWaitingForServer, TimeSpan.FromMinutes(1));
        var outageFrom = _clock.GetUtcNow();
        RunClockUntil(() => _clock.GetUtcNow() - outageFrom >= TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(1));   // probes at 2, 6 and 14 s find nothing
        Assert.False(submitted.IsCompleted, "the batch waits for its server");
        Assert.All(results, r => Assert.Null(r.Error));
        server = await StartAgainAsync(options);
        try
        {
            RunClockUntil(() => submitted.IsCompleted, TimeSpan.FromMinutes(2));
            await submitted;

            Assert.Equal(files.Length, results.Count);
            Assert.All(results, r => Assert.Null(r.Error));
            foreach (var file in files)
            {
                var stored = Assert.Single(server.Uploads, u => u.Filename == Path.GetFileName(file) && u.Status == "complete");
                Assert.Equal(Scratch.Md5(file), stored.Md5OfStoredBytes);
            }
            // A second upload of a file only where the stop cut off the answer to its first chunk, which carries the
            // upload's url: the call could not know that upload.
            Assert.All(server.Uploads.Where(u => u.Status != "complete"), u => Assert.True(u.Offset <= Chunk, $"{u.Filename} was left at {u.Offset}"));
            Assert.True(heldIds.Length >= 2);
            Assert.All(heldIds, id => Assert.Contains(results, r => r.Id == id));
            Assert.Contains("has not answered since", Assert.Single(began));
            Assert.Contains("is back after", Assert.Single(ended));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Past_the_outage_limit_the_call_ends_with_ServerUnavailable_and_a_rerun_resumes_the_same_upload()
    {
        var server = await StartPersistentAsync(latencyMs: 40);
        var file = _scratch.File("limit.bin", 40 * Chunk + 7, seed: 40);
        var client = Client(server, Options(TimeSpan.FromMinutes(3)));
        var upload = Task.Run(() => client.UploadFileAsync(file));
        Until(() => UnderWay(server, 2 * Chunk).Length == 1, "the upload got under way");
        var options = await StopAsync(server);

        var took = RunClockUntil(() => upload.IsCompleted, TimeSpan.FromMinutes(5));

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => upload);
        Assert.Equal(SynapseErrorKind.ServerUnavailable, ex.Kind);
        Assert.Contains("past the outage limit of 3 min", ex.Message);
        Assert.InRange(took, TimeSpan.FromMinutes(3) - TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(3) + TimeSpan.FromSeconds(2));
        var journal = UploadJournal.Open(_scratch.StateDirectory).TryLoad(server.BaseUrl, file);
        Assert.NotNull(journal);

        server = await StartAgainAsync(options);
        try
        {
            var rerun = await new SynapseUploadClient(new SynapseConnection(server.BaseUrl, ServerFixture.Token), Options(TimeSpan.FromMinutes(3)))
                .UploadFileAsync(file);
            Assert.Equal(journal!.UploadId, rerun.Id);
            Assert.True(rerun.Resumed);
            var stored = Assert.Single(server.Uploads);
            Assert.Equal(Scratch.Md5(file), stored.Md5OfStoredBytes);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_base_URL_that_never_answered_fails_at_once_without_waiting_for_the_outage_limit()
    {
        var file = _scratch.File("nowhere.bin", 1000);
        var client = new SynapseUploadClient(new SynapseConnection(new Uri($"http://127.0.0.1:{ServerFixture.FreePort()}/"), ServerFixture.Token),
            Options(TimeSpan.FromMinutes(10), maxRetries: 0), _clock);
        var began = 0;
        client.OutageBegan += (_, _) => began++;

        // The clock never moves: a wait for the server would never end.
        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(file).WaitAsync(Patience));

        Assert.Equal(SynapseErrorKind.ConnectionFailed, ex.Kind);
        Assert.Equal(0, began);
        Assert.Equal(Start, _clock.GetUtcNow());
    }

    [Fact]
    public async Task A_server_stopped_while_the_first_request_waited_for_its_answer_is_waited_for_though_it_never_answered()
    {
        // The server stores the first chunk, then takes 3 s to answer: stopped then, it has taken a request and answered none.
        var server = await StartPersistentAsync(latencyMs: 3000);
        var file = _scratch.File("first-in-flight.bin", 1000, seed: 9);
        var client = Client(server, Options(TimeSpan.FromMinutes(30)));
        var upload = Task.Run(() => client.UploadFileAsync(file));
        Until(() => server.Uploads.Count == 1, "the first chunk arrived");
        var options = await StopAsync(server);

        RunClockUntil(() => client.IsWaitingForServer || upload.IsCompleted, TimeSpan.FromMinutes(1));
        Assert.False(upload.IsCompleted, "the call waits for its server instead of failing the file");
        server = await StartAgainAsync(options);
        try
        {
            RunClockUntil(() => upload.IsCompleted, TimeSpan.FromMinutes(2));
            var result = await upload;

            // The answer with the upload's url never came, so the file went again as a new upload: one of them complete.
            var stored = Assert.Single(server.Uploads, u => u.Status == "complete");
            Assert.Equal(stored.Id, result.Id);
            Assert.Equal(Scratch.Md5(file), stored.Md5OfStoredBytes);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Cancelling_a_call_held_by_an_outage_ends_it_without_the_clock_moving()
    {
        var server = await StartPersistentAsync(latencyMs: 40);
        var file = _scratch.File("cancelled.bin", 40 * Chunk, seed: 3);
        var client = Client(server, Options(TimeSpan.FromMinutes(30)));
        using var cts = new CancellationTokenSource();
        var upload = Task.Run(() => client.UploadFileAsync(file, cancellationToken: cts.Token));
        Until(() => UnderWay(server, 2 * Chunk).Length == 1, "the upload got under way");
        await StopAsync(server);
        RunClockUntil(() => client.IsWaitingForServer, TimeSpan.FromMinutes(1));
        var heldAt = _clock.GetUtcNow();

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload.WaitAsync(Patience));
        Assert.Equal(heldAt, _clock.GetUtcNow());
        Assert.NotNull(UploadJournal.Open(_scratch.StateDirectory).TryLoad(server.BaseUrl, file));
    }

    [Fact]
    public async Task A_shared_Retry_After_holds_every_lane_and_spends_no_retries()
    {
        // Every PUT and POST meets 503 with Retry-After: 1 until the window is turned off.
        await using var server = await ServerFixture.StartAsync(o =>
        {
            o.Faults.RefuseStatus = 503;
            o.Faults.RefuseRetryAfterSeconds = 1;
        });
        var files = Enumerable.Range(1, 6).Select(i => _scratch.File($"r{i}.bin", 4 * Chunk + i, seed: i)).ToArray();
        var client = Client(server, Options(TimeSpan.FromMinutes(5)));
        var results = new List<BatchUploadResult>();
        var batch = new UploadBatch(client, 3, null, null, r => { lock (results) results.Add(r); }, CancellationToken.None);
        var submitted = Task.Run(async () => { foreach (var f in files) await batch.SubmitAsync(f); await batch.WhenIdleAsync(); });

        // Ten held seconds: ten times the one retry each request has.
        var from = _clock.GetUtcNow();
        RunClockUntil(() => _clock.GetUtcNow() - from >= TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1));
        var refused = server.Requests.Count(r => r.Status == 503);
        server.Options.Faults.RefuseStatus = null;
        RunClockUntil(() => submitted.IsCompleted, TimeSpan.FromMinutes(2));
        await submitted;

        Assert.True(refused > 3 * 2, $"{refused} refusals: more than the lanes' retries allow");
        Assert.Equal(files.Length, results.Count);
        Assert.All(results, r => Assert.Null(r.Error));
    }

    // A server that takes and drops this one request every time is there (each probe is answered), and the request
    // fails its file after a few outages instead of pausing the call for ever.
    [Fact]
    public async Task A_request_cut_off_every_time_fails_its_file_after_three_outages()
    {
        // A server of its own, so each attempt goes on a new connection: .NET sends a request again by itself when
        // a reused one turns out closed.
        await using var server = await ServerFixture.StartAsync(o => { o.Faults.DropRate = 1; o.Faults.MaxConsecutiveFaults = 100; });
        var path = _scratch.File("cut-off.bin", Chunk);
        var client = Client(server, Options(TimeSpan.FromMinutes(30), maxRetries: 0));
        var upload = Task.Run(() => client.UploadFileAsync(path));

        RunClockUntil(() => upload.IsCompleted, TimeSpan.FromMinutes(1));

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => upload);
        Assert.Equal(SynapseErrorKind.ConnectionFailed, ex.Kind);
        Assert.True(FailureClassifier.ServerWasReached(ex), ex.ToString());
        var puts = server.Requests.Where(r => r.Method == "PUT").ToList();
        Assert.Equal(1 + FailureClassifier.MaxServerWaitsPerRequest, puts.Count);
        Assert.All(puts, r => Assert.Equal("drop", r.Fault));
        Assert.DoesNotContain(server.Uploads, u => u.Status == "complete");
    }
}
