using SynapsePS.Batch;
using SynapsePS.Files;

namespace SynapsePS.Core.Tests.Files;

/// <summary>A batch given a folder tree: every file through the one admission, the total once known, reruns skipped.</summary>
public sealed class TreeBatchTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private async Task<List<BatchUploadResult>> RunAsync(SynapseUploadClient client, string folder, Action<UploadBatch>? afterIdle = null)
    {
        var results = new List<BatchUploadResult>();
        var batch = new UploadBatch(client, 3, null, null, r => { lock (results) results.Add(r); }, CancellationToken.None);
        Assert.Null(batch.TotalFiles);
        await batch.SubmitTreeAsync(new FileTree(new[] { folder }, FileTreeFilter.Default), unreadable: null);
        await batch.WhenIdleAsync();
        afterIdle?.Invoke(batch);
        return results;
    }

    [Fact]
    public async Task Every_file_of_a_tree_settles_once_and_the_total_is_the_tree()
    {
        for (var i = 0; i < 4; i++) Directory.CreateDirectory(Path.Combine(_scratch.Root, "tree", i.ToString()));
        var files = Enumerable.Range(0, 20).Select(i => _scratch.File($"tree/{i % 4}/f{i}.bin", 100 + i, seed: i + 1)).ToList();
        var options = _scratch.Options();
        options.SkipUploaded = true;
        var client = new SynapseUploadClient(fixture.Connection(), options);
        var folder = Path.Combine(_scratch.Root, "tree");

        var first = await RunAsync(client, folder, batch =>
        {
            Assert.Equal(20, batch.TotalFiles);
            Assert.Equal(files.Sum(f => new FileInfo(f).Length), batch.TotalBytes);
        });

        Assert.Equal(files.OrderBy(f => f), first.Select(r => r.FullName).OrderBy(f => f));
        Assert.All(first, r => Assert.Equal("Succeeded", r.Status));
        foreach (var r in first)
            Assert.Equal(Scratch.Md5(r.FullName), Scratch.Md5(fixture.Server.Uploads.Single(u => u.Id == r.Upload!.Id).StoredPath));

        fixture.Server.ResetLog();
        var rerun = await RunAsync(client, folder);
        Assert.Equal(20, rerun.Count);
        Assert.All(rerun, r => Assert.True(r.Skipped));
        Assert.Empty(fixture.Server.Requests);
    }
}
