using System.Diagnostics;

namespace SynapsePS.DevServer.Tests;

/// <summary>The dev server executable run as a process, as the demo, Pester and the benchmarks run it.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string? firstLine, Task<string> errors)
    {
        _process = process;
        FirstLine = firstLine;
        Errors = errors;
    }

    /// <summary>What the process printed first (its URL), or null when it printed nothing.</summary>
    public string? FirstLine { get; }
    public Task<string> Errors { get; }

    public static async Task<ServerProcess> StartAsync(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "SynapsePS.DevServer.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { dll, "--exit-on-stdin-close" }.Concat(args)) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        var firstLine = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return new ServerProcess(process, firstLine, errors);
    }

    public async Task<int> ExitCodeAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return _process.ExitCode;
    }

    /// <summary>Ends the process as a crash would: no orderly shutdown.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _process.StandardInput.Close(); } catch (IOException) { }
            if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
