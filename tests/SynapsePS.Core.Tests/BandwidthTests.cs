using System.Diagnostics;
using SynapsePS.Batch;

namespace SynapsePS.Core.Tests;

/// <summary>The bandwidth cap on real uploads: loose bounds (the precise figures are the benchmark's).</summary>
public sealed class BandwidthTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private const long Cap = 256 * 1024;
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private UploadOptions CappedOptions(int chunkSize)
    {
        var options = _scratch.Options(chunkSize);
        options.MaxBytesPerSecond = Cap;
        // A 1 MiB chunk takes 4 s at the cap, twice the inactivity limit: waiting for budget must count as progress.
        // (Not tighter: on a loaded 2-core machine a server's answer alone can take most of a second.)
        options.Timeout = TimeSpan.FromSeconds(2);
        return options;
    }

    [Fact]
    public async Task One_upload_keeps_to_the_cap_without_tripping_the_inactivity_timeout()
    {
        var path = _scratch.File("capped.bin", 1024 * 1024 + 64 * 1024);
        var progress = new List<UploadProgress>();
        var clock = Stopwatch.StartNew();
        var result = await new SynapseUploadClient(fixture.Connection(), CappedOptions(1024 * 1024))
            .UploadFileAsync(path, new InlineProgress(p => { lock (progress) progress.Add(p); }));
        clock.Stop();

        Assert.Equal(Scratch.Md5(path), result.Md5);
        Assert.Equal(0, result.Retries);
        Assert.InRange(clock.Elapsed.TotalSeconds, 3.4, 20);              // 4.25 s at the cap
        Assert.InRange(result.BytesPerSecond, Cap * 0.3, Cap * 1.15);
        Assert.True(progress.Count(p => p.Phase == UploadPhase.Uploading) >= 10, "progress moves in slices, not in whole chunks");
    }

    [Fact]
    public async Task A_batch_shares_one_cap()
    {
        var files = Enumerable.Range(0, 3).Select(i => _scratch.File($"lane{i}.bin", 256 * 1024, seed: i + 1)).ToArray();
        var client = new SynapseUploadClient(fixture.Connection(), CappedOptions(256 * 1024));
        var results = new List<BatchUploadResult>();
        var clock = Stopwatch.StartNew();
        var batch = new UploadBatch(client, 3, null, null, r => { lock (results) results.Add(r); }, CancellationToken.None);
        foreach (var file in files) await batch.SubmitAsync(file);
        await batch.WhenIdleAsync();
        clock.Stop();

        Assert.All(results, r => Assert.Null(r.Error));
        Assert.Equal(3, results.Count);
        Assert.InRange(clock.Elapsed.TotalSeconds, 2.4, 15);              // 768 KiB together at 256 KiB/s: 3 s
    }

    [Fact]
    public async Task Cancelling_while_waiting_for_budget_ends_the_upload_at_once()
    {
        var path = _scratch.File("stopped.bin", 4 * 1024 * 1024);
        var options = CappedOptions(4 * 1024 * 1024);
        options.MaxBytesPerSecond = 64 * 1024;
        using var cts = new CancellationTokenSource();
        var sending = new TaskCompletionSource();
        var upload = new SynapseUploadClient(fixture.Connection(), options)
            .UploadFileAsync(path, new InlineProgress(p => { if (p.BytesDone > 0) sending.TrySetResult(); }), null, cts.Token);
        await sending.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var clock = Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the upload ended {clock.Elapsed.TotalSeconds:0.00} s after the stop");
    }
}
