using System.Security.Cryptography;

namespace SynapsePS.Core.Tests.Kit;

/// <summary>Files and folders a test owns, removed afterwards.</summary>
public sealed class Scratch : IDisposable
{
    public Scratch()
    {
        Root = Path.Combine(Path.GetTempPath(), "synapseps-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        StateDirectory = Path.Combine(Root, "state");
    }

    public string Root { get; }
    public string StateDirectory { get; }

    /// <summary>A file of pseudo-random bytes (deterministic per seed).</summary>
    public string File(string name, long length, int seed = 1)
    {
        var path = Path.Combine(Root, name);
        var random = new Random(seed);
        var buffer = new byte[64 * 1024];
        using var stream = System.IO.File.Create(path);
        for (long written = 0; written < length; written += buffer.Length)
        {
            random.NextBytes(buffer);
            stream.Write(buffer, 0, (int)Math.Min(buffer.Length, length - written));
        }
        return path;
    }

    public UploadOptions Options(int chunkSize = UploadOptions.MinChunkSize, int maxRetries = 3) => new()
    {
        ChunkSize = chunkSize,
        MaxRetries = maxRetries,
        RetryDelay = TimeSpan.FromMilliseconds(20),
        Timeout = TimeSpan.FromSeconds(10),
        StateDirectory = StateDirectory,
    };

    public static string Md5(string path)
    {
        using var md5 = MD5.Create();
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexString(md5.ComputeHash(stream)).ToLowerInvariant();
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Collects the engine's verbose lines and warnings.</summary>
public sealed class RecordingLog : IUploadLog
{
    private readonly List<string> _verbose = new();
    private readonly List<string> _warnings = new();

    public IReadOnlyList<string> VerboseLines { get { lock (_verbose) return _verbose.ToArray(); } }
    public IReadOnlyList<string> Warnings { get { lock (_warnings) return _warnings.ToArray(); } }

    public void Verbose(string message) { lock (_verbose) _verbose.Add(message); }
    public void Warning(string message) { lock (_warnings) _warnings.Add(message); }
}

/// <summary>Calls back synchronously on each report (Progress&lt;T&gt; would post to the thread pool).</summary>
public sealed class InlineProgress(Action<UploadProgress> onReport) : IProgress<UploadProgress>
{
    public void Report(UploadProgress value) => onReport(value);
}

/// <summary>The same for any report type: calls back synchronously on each report.</summary>
internal sealed class InlineReport<T>(Action<T> onReport) : IProgress<T>
{
    public void Report(T value) => onReport(value);
}
