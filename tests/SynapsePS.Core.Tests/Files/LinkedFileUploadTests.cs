using SynapsePS.Files;

namespace SynapsePS.Core.Tests.Files;

/// <summary>
/// A path that is a link to a file: FileInfo gives the link's own length (that of the target's path), while opening
/// it reads the target. Every rule, the upload and the skip must go by the target's bytes.
/// </summary>
public sealed class LinkedFileUploadTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private (string Target, string Link) TargetAndLink(long length)
    {
        var target = _scratch.File("target.bin", length, seed: 9);
        var link = Path.Combine(_scratch.Root, "link.bin");
        File.CreateSymbolicLink(link, target);
        Assert.NotEqual(length, new FileInfo(link).Length); // the trap this test is about
        return (target, link);
    }

    [Fact]
    public async Task A_link_to_a_file_uploads_the_targets_bytes_complete()
    {
        if (OperatingSystem.IsWindows()) return; // creating links needs a privilege there
        var (target, link) = TargetAndLink(UploadOptions.MinChunkSize + 3000);
        var client = new SynapseUploadClient(fixture.Connection(), _scratch.Options());

        var result = await client.UploadFileAsync(link);

        Assert.Equal(UploadOptions.MinChunkSize + 3000, result.Length);
        Assert.Equal(Scratch.Md5(target), result.Md5);
        var stored = fixture.Server.Uploads.Single(u => u.Id == result.Id);
        Assert.Equal("complete", stored.Status);
        Assert.Equal(new FileInfo(target).Length, new FileInfo(stored.StoredPath).Length);
        Assert.Equal(Scratch.Md5(target), Scratch.Md5(stored.StoredPath));
    }

    [Fact]
    public async Task A_link_is_checked_and_skipped_by_its_targets_length_and_time()
    {
        if (OperatingSystem.IsWindows()) return;
        var (target, link) = TargetAndLink(3000);
        var check = FileRules.Check(link, maxBytes: 2999);
        Assert.Equal(3000, check.Length);
        Assert.Equal(SynapseErrorKind.FileTooLarge, check.Problem);

        var options = _scratch.Options();
        options.SkipUploaded = true;
        var client = new SynapseUploadClient(fixture.Connection(), options);
        var first = await client.UploadFileAsync(link);
        var again = await client.UploadFileAsync(link);
        Assert.False(first.Skipped);
        Assert.True(again.Skipped);

        // The target written to (the link itself untouched): the ledger sees the change and uploads again.
        File.WriteAllBytes(target, new byte[4000]);
        File.SetLastWriteTimeUtc(target, DateTime.UtcNow.AddMinutes(1));
        var changed = await client.UploadFileAsync(link);
        Assert.False(changed.Skipped);
        Assert.Equal(4000, changed.Length);
    }
}
