#if !ENGINE_NETSTANDARD   // the child is built against the net8.0 engine; the netstandard2.0 project does not build it
using System.Diagnostics;
using System.Text;

namespace SynapsePS.Core.Tests;

/// <summary>
/// tests/SynapsePS.LedgerStress in a child process (built beside this assembly), for the tests that need a second
/// process on the same state folder: the ledger's writers and the claims' holder. It talks in lines: the test waits
/// for what the child prints and writes lines to its stdin.
/// </summary>
internal sealed class StressChild : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);
    private readonly Process _process;
    private readonly List<string> _lines = new();
    private readonly StringBuilder _errors = new();

    private StressChild(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _lines.Add(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_errors) _errors.AppendLine(e.Data); };
    }

    public static StressChild Start(params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SynapsePS.LedgerStress.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var child = new StressChild(Process.Start(start)!);
        child._process.BeginOutputReadLine();
        child._process.BeginErrorReadLine();
        return child;
    }

    private static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return string.IsNullOrEmpty(host) ? "dotnet" : host;
    }

    public async Task WaitForLineAsync(string line)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            lock (_lines) if (_lines.Contains(line)) return;
            if (_process.HasExited)
            {
                // The child may have printed its last lines and exited before the reader handed them over: the
                // wait without a timeout also waits for its output to be read to the end.
                _process.WaitForExit();
                lock (_lines) if (_lines.Contains(line)) return;
                throw new InvalidOperationException($"The child exited ({_process.ExitCode}) before '{line}': {Errors}");
            }
            if (watch.Elapsed > s_timeout) throw new TimeoutException($"The child did not print '{line}' in {s_timeout}: {Errors}");
            await Task.Delay(10);
        }
    }

    /// <summary>Whether the child has printed this line so far.</summary>
    public bool HasPrinted(string line) { lock (_lines) return _lines.Contains(line); }

    /// <summary>What the child printed so far, one entry a line.</summary>
    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }

    /// <summary>Writes an empty line to the child's stdin: "go" for a writer, "release" for a claim holder.</summary>
    public void Go() => _process.StandardInput.WriteLine();

    /// <summary>Waits for the child to end; exit code 0 means it found nothing wrong.</summary>
    public async Task WaitForSuccessAsync()
    {
        using var cts = new CancellationTokenSource(s_timeout);
        await _process.WaitForExitAsync(cts.Token);
        Assert.True(_process.ExitCode == 0, $"child exit code {_process.ExitCode}: {Errors}");
    }

    /// <summary>SIGKILL on Linux and macOS, TerminateProcess on Windows: no chance to clean anything up.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    private string Errors { get { lock (_errors) return _errors.ToString(); } }

    public void Dispose()
    {
        try { if (!_process.HasExited) _process.Kill(); }
        catch (InvalidOperationException) { /* already gone */ }
        _process.Dispose();
    }
}
#endif
