using System.Diagnostics;
using SynapsePS.Files;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>The one set of upload rules that Test-SynapseUploadFile and the engine share (real files, no server).</summary>
public sealed class FileRulesTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void A_regular_file_is_valid_with_its_length()
    {
        var path = _scratch.File("good.bin", 4096);
        var check = FileRules.Check(path, maxBytes: null);
        Assert.True(check.Valid);
        Assert.Equal(4096, check.Length);
        Assert.Empty(check.Reasons);
        Assert.Null(check.Problem);
    }

    [Fact]
    public void Missing_directory_empty_and_too_large_each_have_their_kind()
    {
        Assert.Equal(SynapseErrorKind.PathNotFound, FileRules.Check(Path.Combine(_scratch.Root, "nope"), null).Problem);
        Assert.Equal(SynapseErrorKind.NotAFile, FileRules.Check(_scratch.Root, null).Problem);
        Assert.Equal(SynapseErrorKind.EmptyFile, FileRules.Check(_scratch.File("empty.bin", 0), null).Problem);
        var large = FileRules.Check(_scratch.File("large.bin", 2000), maxBytes: 1000);
        Assert.Equal(SynapseErrorKind.FileTooLarge, large.Problem);
        Assert.Contains("more than the limit of 1000 bytes", large.Reasons[0]);
    }

    [Theory]
    [InlineData("/dev/null")]
    [InlineData("/proc/self/status")]
    public void Devices_and_pseudo_files_are_not_regular_files(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        var check = FileRules.Check(path, null);
        Assert.False(check.Valid);
        Assert.Equal(SynapseErrorKind.NotAFile, check.Problem);
        Assert.Contains("not a regular file", check.Reasons[0]);
    }

    [Fact]
    public async Task A_named_pipe_is_refused_without_blocking()
    {
        if (OperatingSystem.IsWindows()) return;
        var fifo = Path.Combine(_scratch.Root, "pipe");
        using (var mkfifo = Process.Start("mkfifo", fifo)) mkfifo.WaitForExit();

        // Opening a FIFO for reading blocks until a writer comes; the check must not get that far.
        var check = await Task.Run(() => FileRules.Check(fifo, null)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(SynapseErrorKind.NotAFile, check.Problem);
        Assert.Contains("named pipe", check.Reasons[0]);
    }

    [Fact]
    public async Task The_engine_refuses_what_the_check_refuses_before_any_request()
    {
        var empty = _scratch.File("empty-again.bin", 0);
        var client = new SynapseUploadClient(new SynapseConnection(new Uri("http://127.0.0.1:9/"), "t"), _scratch.Options());
        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync("/dev/null"));
        Assert.Equal(SynapseErrorKind.NotAFile, ex.Kind);
        ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(empty));
        Assert.Equal(FileRules.Check(empty, null).Problem, ex.Kind);
        Assert.Equal(empty, ex.FilePath);
    }
}
