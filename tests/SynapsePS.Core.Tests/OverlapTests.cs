using SynapsePS.Batch;
using SynapsePS.Resume;

namespace SynapsePS.Core.Tests;

/// <summary>
/// A batch or a single upload meeting a file that another call on this machine has claimed: it goes on with the
/// other files and comes back, never fails the file, never shares the other's upload. The other call is played by a
/// claim this test holds, or by a second client whose bandwidth cap keeps its upload in flight long enough.
/// </summary>
public sealed class OverlapTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private const int Chunk = UploadOptions.MinChunkSize;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private string NewFile(string name, int seed) => _scratch.File($"{name}-{Guid.NewGuid():N}.bin", 3 * Chunk + seed, seed);

    private UploadOptions Options(bool skipUploaded = false)
    {
        var options = _scratch.Options(Chunk);
        options.SkipUploaded = skipUploaded;
        return options;
    }

    private DevServer.UploadInfo[] StoredCopiesOf(string path) =>
        fixture.Server.Uploads.Where(u => u.Filename == Path.GetFileName(path)).ToArray();

    private static async Task Until(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!condition()) await Task.Delay(20, cts.Token);
    }

    [Fact]
    public async Task A_batch_goes_on_past_a_claimed_file_and_uploads_it_once_the_claim_is_released()
    {
        var (first, held, last) = (NewFile("first", 1), NewFile("held", 2), NewFile("last", 3));
        var results = new List<BatchUploadResult>();
        var log = new RecordingLog();
        var client = new SynapseUploadClient(fixture.Connection(), Options());
        var batch = new UploadBatch(client, 2, null, log, r => { lock (results) results.Add(r); }, CancellationToken.None);
        var otherRun = UploadClaims.Open(_scratch.StateDirectory).TryClaim(fixture.Connection().BaseUrl, held);

        foreach (var file in new[] { first, held, last }) await batch.SubmitAsync(file);
        var waitingWhileHeld = batch.FilesWaitingForAnotherRun;
        await Until(() => { lock (results) return results.Count == 2; });
        await Task.Delay(UploadClaims.DefaultPollInterval * 2);
        string[] settledWhileHeld;
        lock (results) settledWhileHeld = results.Select(r => r.FullName).ToArray();
        otherRun!.Dispose();
        await batch.WhenIdleAsync();

        Assert.Equal(1, waitingWhileHeld);
        Assert.Equal(new[] { first, last }.Order(), settledWhileHeld.Order());
        Assert.Equal(0, batch.FilesWaitingForAnotherRun);
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Null(r.Error));
        Assert.Equal(held, results[2].FullName);
        Assert.Single(StoredCopiesOf(held), u => u.Status == "complete" && u.Md5OfStoredBytes == Scratch.Md5(held));
        Assert.Contains(log.VerboseLines, l => l.Contains($"'{Path.GetFileName(held)}' waited", StringComparison.Ordinal) && l.Contains("another run", StringComparison.Ordinal));
    }

    [Fact]
    public async Task With_SkipUploaded_a_file_another_run_was_uploading_settles_as_skipped_with_that_runs_id()
    {
        var (shared, own) = (NewFile("shared", 4), NewFile("own", 5));
        var slowOptions = Options(skipUploaded: true);
        slowOptions.MaxBytesPerSecond = 128 * 1024;   // about 1.5 s for the shared file: it is surely in flight when the batch meets it
        var sending = new TaskCompletionSource();
        var otherRun = new SynapseUploadClient(fixture.Connection(), slowOptions)
            .UploadFileAsync(shared, new InlineProgress(p => { if (p.BytesDone > 0) sending.TrySetResult(); }));
        await sending.Task.WaitAsync(Patience);

        var results = new List<BatchUploadResult>();
        var batch = new UploadBatch(new SynapseUploadClient(fixture.Connection(), Options(skipUploaded: true)), 2, null, null,
            r => { lock (results) results.Add(r); }, CancellationToken.None);
        await batch.SubmitAsync(shared);
        await batch.SubmitAsync(own);
        var waiting = batch.FilesWaitingForAnotherRun;
        await batch.WhenIdleAsync();
        var other = await otherRun;

        Assert.Equal(1, waiting);
        Assert.All(results, r => Assert.Null(r.Error));
        var skipped = Assert.Single(results, r => r.FullName == shared);
        Assert.True(skipped.Skipped);
        Assert.Equal(other.Id, skipped.Upload!.Id);
        Assert.Single(StoredCopiesOf(shared));
        Assert.Single(StoredCopiesOf(own), u => u.Status == "complete");
    }

    [Fact]
    public async Task A_single_upload_waits_for_the_claim_saying_so_and_then_makes_its_own_upload()
    {
        var path = NewFile("send", 6);
        var otherRun = UploadClaims.Open(_scratch.StateDirectory).TryClaim(fixture.Connection().BaseUrl, path);
        var waits = new List<UploadProgress>();
        var log = new RecordingLog();
        var upload = new SynapseUploadClient(fixture.Connection(), Options())
            .UploadFileAsync(path, new InlineProgress(p => { if (p.Phase == UploadPhase.WaitingForAnotherRun) lock (waits) waits.Add(p); }), log);

        await Until(() => { lock (waits) return waits.Count >= 3; });
        var storedWhileHeld = StoredCopiesOf(path).Length;
        otherRun!.Dispose();
        var result = await upload.WaitAsync(Patience);

        Assert.Equal(0, storedWhileHeld);
        Assert.True(waits[^1].Elapsed > waits[0].Elapsed, "the reports say how long it has waited");
        Assert.Equal(Scratch.Md5(path), result.Md5);
        Assert.Single(StoredCopiesOf(path), u => u.Id == result.Id && u.Status == "complete");
        Assert.Contains(log.VerboseLines, l => l.Contains("waited", StringComparison.Ordinal) && l.Contains("another run", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_call_of_one_lane_waits_for_a_held_claim_instead_of_setting_the_file_aside()
    {
        var path = NewFile("onelane", 8);
        var otherRun = UploadClaims.Open(_scratch.StateDirectory).TryClaim(fixture.Connection().BaseUrl, path);
        var waiting = new TaskCompletionSource();
        var settled = new List<BatchUploadResult>();
        using var client = new SynapseUploadClient(fixture.Connection(), Options());
        var call = UploadBatch.OneLane(client, null, r => { lock (settled) settled.Add(r); },
            new InlineProgress(p => { if (p.Phase == UploadPhase.WaitingForAnotherRun) waiting.TrySetResult(); }), CancellationToken.None);

        var submitted = call.SubmitAsync(path);
        await waiting.Task.WaitAsync(Patience);
        Assert.False(submitted.IsCompleted, "the submission waits while the other run holds the claim");
        Assert.Equal(0, call.FilesWaitingForAnotherRun);
        otherRun!.Dispose();
        await submitted.WaitAsync(Patience);
        await call.WhenIdleAsync().WaitAsync(Patience);

        var result = Assert.Single(settled);
        Assert.Null(result.Error);
        Assert.Equal(Scratch.Md5(path), result.Upload!.Md5);
        Assert.Equal(1, call.Uploaded);
        Assert.Single(StoredCopiesOf(path), u => u.Id == result.Upload.Id && u.Status == "complete");
    }

    [Fact]
    public async Task A_single_upload_waiting_for_a_claim_ends_at_once_when_cancelled_and_sends_nothing()
    {
        var path = NewFile("stopped", 7);
        using var otherRun = UploadClaims.Open(_scratch.StateDirectory).TryClaim(fixture.Connection().BaseUrl, path);
        using var cts = new CancellationTokenSource();
        var waiting = new TaskCompletionSource();
        var upload = new SynapseUploadClient(fixture.Connection(), Options())
            .UploadFileAsync(path, new InlineProgress(p => { if (p.Phase == UploadPhase.WaitingForAnotherRun) waiting.TrySetResult(); }), null, cts.Token);
        await waiting.Task.WaitAsync(Patience);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the wait ended {clock.Elapsed.TotalSeconds:0.00} s after the stop");
        Assert.Empty(StoredCopiesOf(path));
        Assert.NotNull(otherRun);
    }
}
