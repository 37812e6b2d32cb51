namespace SynapsePS.Core.Tests;

/// <summary>Resume across runs: journals, the server's offset, and the cases that must start anew.</summary>
public sealed class ResumeTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private const int Chunk = UploadOptions.MinChunkSize;
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>Starts an upload and cancels it once more than <paramref name="chunks"/> chunks are acknowledged.</summary>
    private async Task<string> InterruptAsync(string path, int chunks)
    {
        var client = new SynapseUploadClient(fixture.Connection(), _scratch.Options(Chunk));
        using var cts = new CancellationTokenSource();
        var progress = new InlineProgress(p => { if (p.Phase == UploadPhase.Uploading && p.BytesDone > (long)Chunk * chunks) cts.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.UploadFileAsync(path, progress, null, cts.Token));
        var journal = Directory.GetFiles(_scratch.StateDirectory, "*.json").Single();
        return System.Text.Json.JsonDocument.Parse(File.ReadAllText(journal)).RootElement.GetProperty("UploadId").GetString()!;
    }

    [Fact]
    public async Task Rerun_resumes_the_same_upload_and_sends_only_the_rest()
    {
        var size = (long)Chunk * 8 + 99;
        var path = _scratch.File("resume.bin", size);
        var id = await InterruptAsync(path, 3);
        var held = fixture.Server.Uploads.Single(u => u.Id == id).Offset;
        Assert.True(held >= Chunk * 3);

        var log = new RecordingLog();
        var client = new SynapseUploadClient(fixture.Connection(), _scratch.Options(Chunk));
        var result = await client.UploadFileAsync(path, null, log);

        Assert.Equal(id, result.Id);
        Assert.True(result.Resumed);
        Assert.Equal(held, result.ResumedFromOffset);
        Assert.Equal(size - held, result.BytesSent);
        Assert.Equal(Scratch.Md5(path), result.Md5);
        Assert.Equal(result.Md5, Scratch.Md5(fixture.Server.Uploads.Single(u => u.Id == id).StoredPath));
        Assert.Empty(Directory.GetFiles(_scratch.StateDirectory, "*.json"));
        Assert.Contains(log.VerboseLines, l => l.StartsWith("Resuming upload " + id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Journal_never_holds_the_token()
    {
        var path = _scratch.File("secret.bin", Chunk * 4);
        await InterruptAsync(path, 1);
        var text = File.ReadAllText(Directory.GetFiles(_scratch.StateDirectory, "*.json").Single());
        Assert.DoesNotContain(ServerFixture.Token, text);
        Assert.Contains("\"Offset\"", text);
    }

    [Fact]
    public async Task Changed_file_starts_a_new_upload_with_a_warning()
    {
        var path = _scratch.File("changed.bin", Chunk * 4);
        var oldId = await InterruptAsync(path, 1);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-5));

        var log = new RecordingLog();
        var result = await new SynapseUploadClient(fixture.Connection(), _scratch.Options(Chunk)).UploadFileAsync(path, null, log);

        Assert.NotEqual(oldId, result.Id);
        Assert.False(result.Resumed);
        Assert.Contains(log.Warnings, w => w.Contains("changed since", StringComparison.Ordinal));
        Assert.Equal(Scratch.Md5(path), result.Md5);
    }

    [Fact]
    public async Task NoResume_starts_a_new_upload()
    {
        var path = _scratch.File("noresume.bin", Chunk * 4);
        var oldId = await InterruptAsync(path, 1);
        var options = _scratch.Options(Chunk);
        options.Resume = false;

        var result = await new SynapseUploadClient(fixture.Connection(), options).UploadFileAsync(path);

        Assert.NotEqual(oldId, result.Id);
        Assert.False(result.Resumed);
        Assert.Equal((long)Chunk * 4, result.BytesSent);
    }

    [Fact]
    public async Task Expired_upload_starts_anew_with_a_warning()
    {
        await using var server = await ServerFixture.StartAsync(o => o.Expiry = TimeSpan.FromSeconds(1));
        var path = _scratch.File("expiring.bin", Chunk * 4);
        var connection = new SynapseConnection(server.BaseUrl, ServerFixture.Token);
        using (var cts = new CancellationTokenSource())
        {
            var progress = new InlineProgress(p => { if (p.BytesDone > Chunk) cts.Cancel(); });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                new SynapseUploadClient(connection, _scratch.Options(Chunk)).UploadFileAsync(path, progress, null, cts.Token));
        }
        var oldId = server.Uploads.Single().Id;
        await Task.Delay(1500);

        var log = new RecordingLog();
        var result = await new SynapseUploadClient(connection, _scratch.Options(Chunk)).UploadFileAsync(path, null, log);

        Assert.NotEqual(oldId, result.Id);
        Assert.False(result.Resumed);
        Assert.Contains(log.Warnings, w => w.Contains(oldId, StringComparison.Ordinal));
        Assert.Equal(Scratch.Md5(path), result.Md5);
    }

    [Fact]
    public async Task Cancellation_stops_within_a_second()
    {
        var f = fixture.Server.Options.Faults;
        f.LatencyMs = 3000;   // every chunk answer takes 3 s: a cancel must not wait for it
        try
        {
            var path = _scratch.File("cancel.bin", Chunk * 4);
            using var cts = new CancellationTokenSource();
            var task = new SynapseUploadClient(fixture.Connection(), _scratch.Options(Chunk)).UploadFileAsync(path, null, null, cts.Token);
            await Task.Delay(500);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"cancel took {watch.Elapsed.TotalSeconds:0.00} s");
        }
        finally
        {
            f.LatencyMs = 0;
        }
    }
}
