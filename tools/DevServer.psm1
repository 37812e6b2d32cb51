# Starts and stops the project's Synapse-compatible dev server (src/SynapsePS.DevServer) for the demo,
# the Pester tests and the benchmarks. The server binds 127.0.0.1 only and prints its URL as its first line.

function Start-SynapseDevServer {
    [CmdletBinding()]
    param(
        # Extra server options, e.g. '--token', 't', '--fail-rate', '0.3'.
        [string[]] $ArgumentList = @(),
        [string] $StorageDirectory = (Join-Path ([IO.Path]::GetTempPath()) ("synapse-dev-" + [guid]::NewGuid().ToString('N'))),
        [string] $Configuration = 'Release',
        [int] $StartTimeoutSec = 30
    )
    $root = Split-Path $PSScriptRoot -Parent
    $dll = Join-Path $root "src/SynapsePS.DevServer/bin/$Configuration/net10.0/SynapsePS.DevServer.dll"
    if (-not (Test-Path -LiteralPath $dll)) { throw "The dev server is not built ($dll); run ./build.ps1 first." }
    $null = New-Item -ItemType Directory -Force -Path $StorageDirectory

    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll, '--port', '0', '--storage', $StorageDirectory, '--exit-on-stdin-close') + $ArgumentList) { $psi.ArgumentList.Add([string]$a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $psi.RedirectStandardInput = $true   # the server exits when this closes, so it never outlives us
    $process = [System.Diagnostics.Process]::Start($psi)
    $errors = $process.StandardError.ReadToEndAsync()

    $read = $process.StandardOutput.ReadLineAsync()
    if (-not $read.Wait([TimeSpan]::FromSeconds($StartTimeoutSec)) -or -not $read.Result) {
        try { $process.Kill($true) } catch { }
        $why = if ($errors.Wait(2000)) { $errors.Result.Trim() } else { '' }
        throw "The dev server did not report its URL within $StartTimeoutSec s. $why"
    }
    [pscustomobject]@{
        PSTypeName       = 'SynapsePS.DevServerHandle'
        Url              = $read.Result.Trim()
        Process          = $process
        StorageDirectory = $StorageDirectory
    }
}

function Stop-SynapseDevServer {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Server, [switch] $KeepStorage)
    process {
        if (-not $Server.Process.HasExited) {
            try { $Server.Process.StandardInput.Close() } catch { }
            if (-not $Server.Process.WaitForExit(5000)) { try { $Server.Process.Kill($true) } catch { } }
        }
        if (-not $KeepStorage) { Remove-Item -LiteralPath $Server.StorageDirectory -Recurse -Force -ErrorAction Ignore }
    }
}

function Invoke-SynapseDevApi {
    # The dev server's inspection endpoints (/_dev/uploads, /_dev/requests, /_dev/faults, /_dev/reset-log).
    [CmdletBinding()]
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Path, [string] $Method = 'GET', $Body)
    $uri = $Server.Url.TrimEnd('/') + '/_dev/' + $Path.TrimStart('/')
    if ($PSBoundParameters.ContainsKey('Body')) {
        Invoke-RestMethod -Uri $uri -Method $Method -Body ($Body | ConvertTo-Json -Compress) -ContentType 'application/json'
    } else {
        Invoke-RestMethod -Uri $uri -Method $Method
    }
}

Export-ModuleMember -Function Start-SynapseDevServer, Stop-SynapseDevServer, Invoke-SynapseDevApi
