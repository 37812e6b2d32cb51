# Starts and stops the project's Synapse-compatible dev server (src/SynapsePS.DevServer) for the demo,
# the Pester tests and the benchmarks, and the forward proxy of the same executable for tests of clients behind
# a corporate proxy. Both bind loopback only and print their URL as their first line.

function Start-DevServerProcess {
    # Runs the dev server executable with these arguments; returns the process and the URL it printed.
    param([string[]] $Arguments, [string] $Configuration, [int] $StartTimeoutSec)
    $root = Split-Path $PSScriptRoot -Parent
    $dll = Join-Path $root "src/SynapsePS.DevServer/bin/$Configuration/net10.0/SynapsePS.DevServer.dll"
    if (-not (Test-Path -LiteralPath $dll)) { throw "The dev server is not built ($dll); run ./build.ps1 first." }

    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll, '--exit-on-stdin-close') + $Arguments) { $psi.ArgumentList.Add([string]$a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true   # the process exits when this closes, so it never outlives us
    $process = [System.Diagnostics.Process]::Start($psi)
    $errors = $process.StandardError.ReadToEndAsync()

    $read = $process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait([TimeSpan]::FromSeconds($StartTimeoutSec)) -or -not $read.Result) {
        try { $process.Kill($true) } catch { }
        $why = if ($errors.Wait(2000)) { $errors.Result.Trim() } else { '' }
        throw "The dev server did not report its URL within $StartTimeoutSec s. $why"
    }
    [pscustomobject]@{ Process = $process; Url = $read.Result.Trim() }
}

function Get-OptionValue([string[]] $Arguments, [string] $Name) {
    # The value following $Name in an argument list, else $null.
    $at = [array]::IndexOf($Arguments, $Name)
    if ($at -ge 0 -and $at + 1 -lt $Arguments.Count) { $Arguments[$at + 1] }
}

function Start-SynapseDevServer {
    [CmdletBinding()]
    param(
        # Extra server options (SynapsePS.DevServer --help), e.g. '--token', 't', '--fail-rate', '0.3',
        # '--record-shape', 'synapse', '--https', '--certificate-out', $pem.
        [string[]] $ArgumentList = @(),
        [string] $StorageDirectory = (Join-Path ([IO.Path]::GetTempPath()) ("synapse-dev-" + [guid]::NewGuid().ToString('N'))),
        # Keep the upload records in the storage folder (--persist), so that Restart-SynapseDevServer brings back
        # a server holding the same uploads, as a real server's database would.
        [switch] $Persist,
        [string] $Configuration = 'Release',
        [int] $StartTimeoutSec = 30
    )
    $null = New-Item -ItemType Directory -Force -Path $StorageDirectory
    if ($Persist) { $ArgumentList = @('--persist') + $ArgumentList }
    $started = Start-DevServerProcess -Arguments (@('--port', '0', '--storage', $StorageDirectory) + $ArgumentList) `
        -Configuration $Configuration -StartTimeoutSec $StartTimeoutSec
    [pscustomobject]@{
        PSTypeName        = 'SynapsePS.DevServerHandle'
        Url               = $started.Url
        Process           = $started.Process
        StorageDirectory  = $StorageDirectory
        # What Restart-SynapseDevServer starts again.
        ArgumentList      = $ArgumentList
        Configuration     = $Configuration
        # Where --certificate-out and --client-ca-out wrote (absolute), for tests that trust or present them.
        CertificatePath   = if ($p = Get-OptionValue $ArgumentList '--certificate-out') { [IO.Path]::GetFullPath($p) }
        ClientPfxPath     = if ($p = Get-OptionValue $ArgumentList '--client-ca-out') { [IO.Path]::GetFullPath($p) }
    }
}

function Start-SynapseTestProxy {
    # The forward proxy (SynapsePS.DevServer --forward-proxy): -Map @{ 'synapse.test' = $server.Url } makes
    # http://synapse.test:PORT/ and CONNECT synapse.test:PORT reach that server; every other name gets 502.
    # With -Credential it demands Proxy-Authorization: Basic (407 otherwise). Stop it with Stop-SynapseDevServer.
    [CmdletBinding()]
    param(
        # Name → the loopback target: a URL (a server handle's Url) or 'ADDRESS:PORT'.
        [Parameter(Mandatory)] [hashtable] $Map,
        [pscredential] $Credential,
        [string] $Configuration = 'Release',
        [int] $StartTimeoutSec = 30
    )
    $arguments = @('--forward-proxy')
    foreach ($name in $Map.Keys) { $arguments += '--map', "$name=$($Map[$name])" }
    if ($Credential) { $arguments += '--proxy-user', $Credential.UserName, '--proxy-password', $Credential.GetNetworkCredential().Password }
    $started = Start-DevServerProcess -Arguments $arguments -Configuration $Configuration -StartTimeoutSec $StartTimeoutSec
    [pscustomobject]@{
        PSTypeName       = 'SynapsePS.TestProxyHandle'
        Url              = $started.Url
        Process          = $started.Process
        StorageDirectory = $null
    }
}

function Restart-SynapseDevServer {
    # Stops the dev server as a crash would (the process killed, its connections cut) unless it has stopped
    # already, waits -DownSec, and starts it again on the same port with the same storage and arguments; started
    # with -Persist it serves the same uploads (ids, urls, offsets) and goes on with the request log of the one
    # before it, numbers included. The handle is updated in place.
    [CmdletBinding()]
    param(
        [Parameter(Mandatory, ValueFromPipeline)] $Server,
        [double] $DownSec = 0,
        [int] $StartTimeoutSec = 30
    )
    process {
        Stop-SynapseDevServer $Server -Kill -KeepStorage
        if ($DownSec -gt 0) { Start-Sleep -Milliseconds ([int]($DownSec * 1000)) }
        $port = ([uri]$Server.Url).Port
        $started = Start-DevServerProcess -Arguments (@('--port', $port, '--storage', $Server.StorageDirectory) + $Server.ArgumentList) `
            -Configuration $Server.Configuration -StartTimeoutSec $StartTimeoutSec
        if ($started.Url -ne $Server.Url) { throw "The dev server came back at $($started.Url), not $($Server.Url)." }
        $Server.Process = $started.Process
    }
}

function Stop-SynapseDevServer {
    # Stops a dev server or a test proxy (and removes the server's storage unless -KeepStorage). -Kill stops it
    # as a crash would: no orderly shutdown, connections cut mid-request.
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline, Position = 0)] $Server, [switch] $KeepStorage, [switch] $Kill)
    process {
        if ($Kill -and -not $Server.Process.HasExited) {
            $Server.Process.Kill($true)
            $null = $Server.Process.WaitForExit(10000)
        }
        if (-not $Server.Process.HasExited) {
            try { $Server.Process.StandardInput.Close() } catch { }
            if (-not $Server.Process.WaitForExit(5000)) { try { $Server.Process.Kill($true) } catch { } }
        }
        if ($Server.StorageDirectory -and -not $KeepStorage) { Remove-Item -LiteralPath $Server.StorageDirectory -Recurse -Force -ErrorAction Ignore }
    }
}

function Invoke-SynapseDevApi {
    # The dev server's inspection endpoints (/_dev/uploads, /_dev/requests, /_dev/faults, /_dev/limits, /_dev/inflight,
    # /_dev/reset-log). /_dev/requests is the request log: number (arrival order), receivedAt, completedAt, method,
    # path, status, fault ('refuse-503' for a refusal window). POST /_dev/faults replaces the faults, e.g. a refusal
    # window: -Body @{ refuseStatus = 503; refuseSeconds = 20; refuseRetryAfterSeconds = 2 } (@{} turns it off), or a
    # server far away with 8 workers: -Body @{ latencyMs = 50; maxInflight = 8 }. /_dev/inflight tells the most
    # requests served at once and the refusals for the capacity since the last POST /_dev/reset-log. POST /_dev/limits
    # replaces the upload limit and the quota (--max-size, --quota): -Body @{ maxUploadBytes = 1000; quotaBytes = 5000 }.
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Path, [string] $Method = 'GET', $Body)
    $uri = $Server.Url.TrimEnd('/') + '/_dev/' + $Path.TrimStart('/')
    # An https server's certificate is the test's own: no need to trust it for the server's own endpoints.
    $tls = @{}
    if ($uri.StartsWith('https:')) { $tls.SkipCertificateCheck = $true }
    if ($PSBoundParameters.ContainsKey('Body')) {
        Invoke-RestMethod -Uri $uri -Method $Method -Body ($Body | ConvertTo-Json -Compress) -ContentType 'application/json' -NoProxy @tls
    } else {
        Invoke-RestMethod -Uri $uri -Method $Method -NoProxy @tls
    }
}

function Get-SynapseProxyLog {
    # What the test proxy forwarded (GET /_proxy/log), oldest first: method, target, path, status, authGiven,
    # forwardedTo (null when nothing was contacted). -Reset clears the log afterwards.
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] $Proxy, [switch] $Reset)
    $base = $Proxy.Url.TrimEnd('/')
    # Invoke-RestMethod may write a JSON array as one object; enumerate it.
    foreach ($entry in (Invoke-RestMethod -Uri "$base/_proxy/log" -NoProxy)) { $entry }
    if ($Reset) { $null = Invoke-RestMethod -Uri "$base/_proxy/reset-log" -Method POST -NoProxy }
}

Export-ModuleMember -Function Start-SynapseDevServer, Stop-SynapseDevServer, Restart-SynapseDevServer, Invoke-SynapseDevApi, Start-SynapseTestProxy, Get-SynapseProxyLog
