using System.Diagnostics;
using System.Text.Json;

namespace SynapsePS.DevServer.Tests;

/// <summary>tools/DevServer.psm1 in a real pwsh: the server and proxy helpers the Pester tests and the benchmark use.</summary>
public sealed class ToolsModuleTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "synapseps-tools-" + Guid.NewGuid().ToString("N"));

    public ToolsModuleTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task The_helpers_start_an_https_server_and_an_authenticating_proxy_and_read_the_proxy_log()
    {
        var script = Path.Combine(_dir, "helpers.ps1");
        await File.WriteAllTextAsync(script, """
            param([string] $Root, [string] $Dir)
            $ErrorActionPreference = 'Stop'
            Import-Module (Join-Path $Root 'tools/DevServer.psm1')
            $server = Start-SynapseDevServer -ArgumentList '--token', 't', '--https', '--certificate-out', (Join-Path $Dir 'server.pem')
            $credential = [pscredential]::new('u', (ConvertTo-SecureString 'pw' -AsPlainText -Force))
            $proxy = Start-SynapseTestProxy -Map @{ 'synapse.test' = $server.Url } -Credential $credential
            try {
                $port = ([uri]$server.Url).Port
                $null = Invoke-RestMethod -Uri "https://synapse.test:$port/chunked_upload/" -Headers @{ 'Synapse-Access-Token' = 'Token t' } `
                    -Proxy $proxy.Url -ProxyCredential $credential -SkipCertificateCheck
                $log = @(Get-SynapseProxyLog $proxy -Reset)
                $after = @(Get-SynapseProxyLog $proxy)
                # Invoke-RestMethod writes a JSON array as one object: foreach enumerates it.
                $hosts = foreach ($r in (Invoke-SynapseDevApi -Server $server -Path requests)) { $r.host }
                [pscustomobject]@{
                    ServerUrl = $server.Url; ProxyUrl = $proxy.Url; ProxyType = $proxy.PSObject.TypeNames[0]
                    CertificatePath = $server.CertificatePath; CertificateWritten = (Test-Path -LiteralPath $server.CertificatePath)
                    Log = $log; LogAfterReset = $after.Count; Hosts = @($hosts)
                } | ConvertTo-Json -Depth 4 -Compress
            }
            finally {
                $proxy, $server | Stop-SynapseDevServer
                if (-not $proxy.Process.HasExited -or -not $server.Process.HasExited) { throw 'A helper process outlived Stop-SynapseDevServer.' }
            }
            """);
        var root = RepositoryRoot();

        var (exit, output, errors) = await RunPwshAsync(root, script, "-Root", root, "-Dir", _dir);

        Assert.True(exit == 0, $"pwsh failed ({exit}): {errors}\n{output}");
        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var result = json.RootElement;
        var port = new Uri(result.GetProperty("ServerUrl").GetString()!).Port;
        Assert.Matches(@"^https://127\.0\.0\.1:\d+/$", result.GetProperty("ServerUrl").GetString());
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/$", result.GetProperty("ProxyUrl").GetString());
        Assert.Equal("SynapsePS.TestProxyHandle", result.GetProperty("ProxyType").GetString());
        Assert.Equal(Path.Combine(_dir, "server.pem"), result.GetProperty("CertificatePath").GetString());
        Assert.True(result.GetProperty("CertificateWritten").GetBoolean());
        var log = result.GetProperty("Log").EnumerateArray().ToList();
        Assert.All(log, e => Assert.Equal(("CONNECT", $"synapse.test:{port}"), (e.GetProperty("method").GetString(), e.GetProperty("target").GetString())));
        Assert.Equal(200, log[^1].GetProperty("status").GetInt32());
        Assert.True(log[^1].GetProperty("authGiven").GetBoolean());
        Assert.Equal($"127.0.0.1:{port}", log[^1].GetProperty("forwardedTo").GetString());
        Assert.Equal(0, result.GetProperty("LogAfterReset").GetInt32());
        Assert.Contains($"synapse.test:{port}", result.GetProperty("Hosts").EnumerateArray().Select(h => h.GetString()));
    }

    [Fact]
    public async Task The_helpers_restart_a_persisting_server_on_its_port_with_its_uploads_and_set_a_refusal_window()
    {
        var script = Path.Combine(_dir, "restart.ps1");
        await File.WriteAllTextAsync(script, """
            param([string] $Root)
            $ErrorActionPreference = 'Stop'
            Import-Module (Join-Path $Root 'tools/DevServer.psm1')
            $server = Start-SynapseDevServer -Persist -ArgumentList '--token', 't'
            $http = [System.Net.Http.HttpClient]::new([System.Net.Http.HttpClientHandler]@{ UseProxy = $false })
            function Send-Chunk([string] $Url, [string] $Range) {
                $form = [System.Net.Http.MultipartFormDataContent]::new()
                $form.Add([System.Net.Http.StringContent]::new('a.bin'), 'filename')
                $form.Add([System.Net.Http.ByteArrayContent]::new([byte[]](1..10)), 'file', 'chunk')
                $null = $form.Headers.TryAddWithoutValidation('Content-Range', $Range)
                $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Put, $Url)
                $request.Content = $form
                $null = $request.Headers.TryAddWithoutValidation('Synapse-Access-Token', 'Token t')
                $http.Send($request)
            }
            try {
                $record = (Send-Chunk "$($server.Url)chunked_upload/" 'bytes 0-9/20').Content.ReadAsStringAsync().Result | ConvertFrom-Json
                $firstProcess = $server.Process.Id
                Restart-SynapseDevServer $server -DownSec 0.5
                $held = @(foreach ($u in (Invoke-SynapseDevApi -Server $server -Path uploads)) { $u })
                $null = Invoke-SynapseDevApi -Server $server -Path faults -Method POST -Body @{ refuseStatus = 503; refuseRetryAfterSeconds = 3 }
                $refused = Send-Chunk $record.url 'bytes 10-19/20'
                $log = @(foreach ($r in (Invoke-SynapseDevApi -Server $server -Path requests)) { $r })
                [pscustomobject]@{
                    RecordId = $record.id; Url = $server.Url; NewProcess = ($server.Process.Id -ne $firstProcess)
                    Held = $held; Refused = [int]$refused.StatusCode; RetryAfter = $refused.Headers.RetryAfter.Delta.TotalSeconds; Log = $log
                } | ConvertTo-Json -Depth 4 -Compress
            }
            finally {
                $server | Stop-SynapseDevServer
            }
            """);
        var root = RepositoryRoot();

        var (exit, output, errors) = await RunPwshAsync(root, script, "-Root", root);

        Assert.True(exit == 0, $"pwsh failed ({exit}): {errors}\n{output}");
        using var json = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var result = json.RootElement;
        Assert.True(result.GetProperty("NewProcess").GetBoolean());
        var held = result.GetProperty("Held").EnumerateArray().Single();
        Assert.Equal(result.GetProperty("RecordId").GetString(), held.GetProperty("id").GetString());
        Assert.Equal(10, held.GetProperty("offset").GetInt64());
        Assert.Equal(503, result.GetProperty("Refused").GetInt32());
        Assert.Equal(3, result.GetProperty("RetryAfter").GetDouble());
        // The log goes on across the restart: the first chunk (before it), then the refused one.
        var log = result.GetProperty("Log").EnumerateArray().Select(e => (e.GetProperty("number").GetInt64(), e.GetProperty("method").GetString(),
            e.GetProperty("status").GetInt32(), e.GetProperty("fault").GetString())).ToList();
        Assert.Equal(new (long, string?, int, string?)[] { (1, "PUT", 200, null), (2, "PUT", 503, "refuse-503") }, log);
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "build.ps1"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("No build.ps1 above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs a script in a fresh pwsh: the project's pinned .NET tool, from the repository root.</summary>
    private static async Task<(int Exit, string Output, string Errors)> RunPwshAsync(string root, string script, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "pwsh", "-NoProfile", "-NonInteractive", "-File", script }.Concat(args)) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(180));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await output, await errors);
    }
}
