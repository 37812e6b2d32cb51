using Microsoft.Extensions.Time.Testing;
using SynapsePS.Batch;

namespace SynapsePS.Core.Tests;

/// <summary>
/// The call's time budget (UploadOptions.MaxDuration) on a FakeTimeProvider: when no file starts any more, when the
/// uploads in flight are cut, what the call's end says; and a batch against the dev server whose budget passes
/// mid-upload, then the rerun that resumes the cut uploads from the server's offset.
/// </summary>
public sealed class TimeBudgetTests : IDisposable
{
    private const int Chunk = UploadOptions.MinChunkSize;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData(10, 1)]          // a tenth of a short budget
    [InlineData(600, 60)]        // a tenth, at the cap
    [InlineData(10800, 60)]      // a cloud sandbox's 3 hours: the cap
    public void The_grace_is_a_tenth_of_the_budget_and_at_most_a_minute(int budgetSec, int graceSec) =>
        Assert.Equal(TimeSpan.FromSeconds(graceSec), TimeBudget.GraceFor(TimeSpan.FromSeconds(budgetSec)));

    [Fact]
    public void Files_start_until_the_budget_passes_and_the_uploads_in_flight_are_cut_after_the_grace()
    {
        var time = new FakeTimeProvider();
        using var budget = new TimeBudget(TimeSpan.FromSeconds(100), time);

        time.Advance(TimeSpan.FromSeconds(99));
        Assert.True(budget.TryAdmit());
        Assert.False(budget.IsSpent);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(budget.IsSpent);
        Assert.False(budget.TryAdmit());
        Assert.False(budget.TryAdmit());
        Assert.False(budget.Cut.IsCancellationRequested);

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(budget.Cut.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(budget.Cut.IsCancellationRequested);

        budget.CountInterrupted();
        var end = budget.Reached();
        Assert.NotNull(end);
        Assert.Equal(SynapseErrorKind.TimeBudgetReached, end!.Kind);
        Assert.Equal((2, 1), (budget.NotStarted, budget.Interrupted));
        Assert.Contains("2 files not started", end.Message);
        Assert.Contains("1 upload in flight cut", end.Message);
    }

    [Fact]
    public void A_budget_that_passes_after_every_file_finished_ends_nothing_and_no_budget_never_passes()
    {
        var time = new FakeTimeProvider();
        using var spentIdle = new TimeBudget(TimeSpan.FromSeconds(5), time);
        using var none = new TimeBudget(null, time);

        time.Advance(TimeSpan.FromDays(400));

        Assert.True(spentIdle.IsSpent);
        Assert.Null(spentIdle.Reached());
        Assert.True(none.TryAdmit());
        Assert.False(none.Cut.IsCancellationRequested);
        Assert.Null(none.Reached());
    }

    [Fact]
    public async Task A_batch_whose_budget_passes_mid_upload_cuts_it_without_a_finish_and_the_rerun_resumes_it()
    {
        await using var slow = await ServerFixture.StartAsync(o => o.Faults.LatencyMs = 100);
        var connection = new SynapseConnection(slow.BaseUrl, ServerFixture.Token);
        // 30 chunks at 100 ms each: in flight for about 3 s, long after the fake clock has moved.
        var inFlight = new[] { _scratch.File("a.bin", 30 * Chunk, 1), _scratch.File("b.bin", 30 * Chunk + 7, 2) };
        var later = new[] { _scratch.File("c.bin", 2 * Chunk, 3), _scratch.File("d.bin", 2 * Chunk, 4) };
        var options = _scratch.Options(Chunk);
        options.MaxDuration = TimeSpan.FromSeconds(100);
        var time = new FakeTimeProvider();
        var results = new List<BatchUploadResult>();

        using (var client = new SynapseUploadClient(connection, options, time))
        {
            var batch = new UploadBatch(client, 2, null, null, r => { lock (results) results.Add(r); }, CancellationToken.None);
            foreach (var file in inFlight) await batch.SubmitAsync(file);
            await Until(() => slow.Requests.Count(r => r.Method == "PUT" && r.Status == 200) >= 4);
            time.Advance(TimeSpan.FromSeconds(100));
            foreach (var file in later) await batch.SubmitAsync(file);   // after the budget: counted, not started
            time.Advance(TimeBudget.GraceFor(TimeSpan.FromSeconds(100)));

            var end = await Assert.ThrowsAsync<SynapseClientException>(batch.WhenIdleAsync);
            Assert.Equal(SynapseErrorKind.TimeBudgetReached, end.Kind);
            Assert.Equal((2, 2), (batch.NotStarted, batch.Interrupted));
            var summary = batch.Summarize(Array.Empty<BatchUploadResult>(), TimeSpan.FromSeconds(110));
            Assert.Equal((2, 2, true, 0), (summary.NotStarted, summary.Interrupted, summary.TimeBudgetReached, summary.Total));
        }
        Assert.Empty(results);
        Assert.DoesNotContain(slow.Requests, r => r.Method == "POST");
        Assert.All(slow.Uploads, u => Assert.Equal("uploading", u.Status));
        var cutAt = slow.Uploads.ToDictionary(u => u.Filename, u => u.Offset);
        Assert.All(cutAt.Values, offset => Assert.True(offset > 0));

        // The rerun, without a budget, resumes the cut uploads and sends the rest: one complete upload per file.
        options.MaxDuration = null;
        options.SkipUploaded = true;
        using var rerunClient = new SynapseUploadClient(connection, options);
        var rerun = new UploadBatch(rerunClient, 2, null, null, r => { lock (results) results.Add(r); }, CancellationToken.None);
        foreach (var file in inFlight.Concat(later)) await rerun.SubmitAsync(file);
        await rerun.WhenIdleAsync();

        Assert.Equal(4, results.Count);
        Assert.All(results, r => Assert.Null(r.Error));
        Assert.All(results.Where(r => inFlight.Contains(r.FullName)), r =>
        {
            Assert.True(r.Upload!.Resumed);
            // From where the server stopped (a chunk it stored while its reply was cut counts too), not from zero.
            Assert.InRange(r.Upload.ResumedFromOffset, cutAt[Path.GetFileName(r.FullName)], r.Upload.Length - 1);
        });
        foreach (var file in inFlight.Concat(later))
            Assert.Single(slow.Uploads, u => u.Filename == Path.GetFileName(file) && u.Status == "complete" && u.Md5OfStoredBytes == Scratch.Md5(file));
        Assert.Equal(4, slow.Uploads.Count);
    }

    [Fact]
    public async Task A_call_held_by_the_server_when_the_budget_passes_cuts_its_upload_and_starts_nothing_after_the_grace()
    {
        await using var slow = await ServerFixture.StartAsync(o => o.Faults.LatencyMs = 100);
        var connection = new SynapseConnection(slow.BaseUrl, ServerFixture.Token);
        var (inFlight, waiting) = (_scratch.File("held.bin", 30 * Chunk, 5), _scratch.File("waiting.bin", 2 * Chunk, 6));
        var options = _scratch.Options(Chunk);
        options.MaxDuration = TimeSpan.FromSeconds(100);
        var time = new FakeTimeProvider();
        var results = new List<BatchUploadResult>();
        using var client = new SynapseUploadClient(connection, options, time);
        var batch = new UploadBatch(client, 2, null, null, r => { lock (results) results.Add(r); }, CancellationToken.None);

        await batch.SubmitAsync(inFlight);
        await Until(() => slow.Uploads.Any(u => u.Offset >= 2 * Chunk));
        // The server asks every request to wait two minutes: the whole call is held.
        slow.Options.Faults.RefuseStatus = 503;
        slow.Options.Faults.RefuseRetryAfterSeconds = 120;
        await Until(() => client.IsWaitingForServer);
        var held = batch.SubmitAsync(waiting);   // has a lane, waits for the server
        time.Advance(TimeSpan.FromSeconds(100) + TimeBudget.GraceFor(TimeSpan.FromSeconds(100)));
        await held.WaitAsync(Patience);

        var end = await Assert.ThrowsAsync<SynapseClientException>(() => batch.WhenIdleAsync().WaitAsync(Patience));
        Assert.Equal(SynapseErrorKind.TimeBudgetReached, end.Kind);
        Assert.Equal((1, 1), (batch.NotStarted, batch.Interrupted));
        Assert.Empty(results);
        Assert.DoesNotContain(slow.Uploads, u => u.Filename == Path.GetFileName(waiting));
        Assert.DoesNotContain(slow.Requests, r => r.Method == "POST");
    }

    private static async Task Until(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (!condition()) await Task.Delay(20, cts.Token);
    }
}
