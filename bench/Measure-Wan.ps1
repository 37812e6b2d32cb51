<#
.SYNOPSIS
    Across the WAN: 2,000 files of 16 KiB with Invoke-SynapseBatchUpload's default (the batch finds its own count)
    beside fixed -ThrottleLimit counts, against the dev server made far away (--latency-ms, set at run time), as it
    is on the same machine, and far away with a capacity (--max-inflight). Saves bench/results/Wan.json and
    rewrites docs/performance.md from the data files.
.EXAMPLE
    ./bench/Measure-Wan.ps1 -ModuleManifest ./out/SynapsePS/SynapsePS.psd1
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [int] $Files = 2000,
    [int] $FileBytes = 16KB,
    [int] $LatencyMs = 50,
    [int] $Capacity = 8,
    [int[]] $ThrottleLimits = @(3, 8, 16, 32, 64),
    [string] $ResultsPath = (Join-Path $PSScriptRoot 'results'),
    [string] $OutputPath = (Join-Path (Split-Path $PSScriptRoot -Parent) 'docs/performance.md')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path $PSScriptRoot -Parent
Import-Module (Join-Path $root 'tools/DevServer.psm1')
Import-Module (Join-Path $root 'tools/ChildPwsh.psm1')
Import-Module (Join-Path $PSScriptRoot 'BenchData.psm1')
$ModuleManifest = (Resolve-Path $ModuleManifest).Path

$work = Join-Path ([IO.Path]::GetTempPath()) ('synapse-wan-' + [guid]::NewGuid().ToString('N'))
$shm = if (Test-Path /dev/shm) { '/dev/shm' } else { $work }
$storage = Join-Path $shm ('synapse-wan-store-' + [guid]::NewGuid().ToString('N'))
$token = 'bench-wan'
$parameters = [ordered]@{ Files = $Files; FileBytes = $FileBytes; LatencyMs = $LatencyMs; Capacity = $Capacity; ThrottleLimits = $ThrottleLimits }
$data = New-BenchSection -Name Wan -Parameters $parameters `
    -Command "bench/Measure-Wan.ps1 -ModuleManifest out/SynapsePS/SynapsePS.psd1 -Files $Files -FileBytes $FileBytes -LatencyMs $LatencyMs -Capacity $Capacity -ThrottleLimits $($ThrottleLimits -join ',')"

function Invoke-Paced($Server, [string] $Series, [int] $ThrottleLimit) {
    # One batch in a fresh pwsh with a fresh state folder (nothing skipped), and what the server saw of it.
    Get-ChildItem -LiteralPath $storage -ErrorAction Ignore | Remove-Item -Recurse -Force -ErrorAction Ignore
    $null = Invoke-SynapseDevApi -Server $Server -Path reset-log -Method POST
    $env:SYNAPSEPS_STATE_DIR = Join-Path $work ('state-' + [guid]::NewGuid().ToString('N'))
    $label = if ($ThrottleLimit) { "-ThrottleLimit $ThrottleLimit" } else { 'default' }
    Write-Host "$Series ${label}: $Files files of $FileBytes B..."
    $out = Invoke-ChildPwsh '-File', (Join-Path $PSScriptRoot 'Measure-Paced.ps1'), '-ModuleManifest', $ModuleManifest, '-Url', $Server.Url,
        '-Token', $token, '-Directory', $dir, '-ThrottleLimit', $ThrottleLimit 2>&1
    $json = $out | Where-Object { "$_" -like '{*' } | Select-Object -Last 1
    if (-not $json) { throw "A measured batch failed: $($out | Out-String)" }
    $run = $json | ConvertFrom-Json
    $inflight = Invoke-SynapseDevApi -Server $Server -Path inflight
    # Invoke-RestMethod may hand a JSON array over as one object: enumerate it.
    $requests = @(foreach ($r in (Invoke-SynapseDevApi -Server $Server -Path requests)) { $r }).Count
    $run | Add-Member -NotePropertyMembers @{ ThrottleLimit = $ThrottleLimit; Requests = $requests; Refused = $inflight.refused; MostInflight = $inflight.most }
    if ($run.Succeeded + $run.Failed -ne $Files) { throw "$Series ${label}: $($run.Succeeded) uploaded and $($run.Failed) failed of $Files files." }
    Write-Host ("  {0:N1} files/s, most at once {1}, {2} of {3} requests refused" -f ($Files / $run.Seconds), $inflight.most, $inflight.refused, $requests)
    Add-BenchRun $data "$Series-$(if ($ThrottleLimit) { $ThrottleLimit } else { 'default' })" $run
}

$null = New-Item -ItemType Directory -Path $work, $storage
$dir = Join-Path $work 'files'
$null = New-Item -ItemType Directory -Path $dir
$rng = [Random]::new(24)
$buffer = [byte[]]::new($FileBytes)
for ($i = 0; $i -lt $Files; $i++) {
    $rng.NextBytes($buffer)
    [IO.File]::WriteAllBytes((Join-Path $dir ('f{0:00000}.bin' -f $i)), $buffer)
}
$server = Start-SynapseDevServer -ArgumentList '--token', $token -StorageDirectory $storage
try {
    # Far away: every PUT and POST waits the latency. The default first, then each fixed count.
    $null = Invoke-SynapseDevApi -Server $server -Path faults -Method POST -Body @{ latencyMs = $LatencyMs }
    Invoke-Paced $server 'latency' 0
    foreach ($n in $ThrottleLimits) { Invoke-Paced $server 'latency' $n }
    # The same machine: the old default of 3 beside the new default.
    $null = Invoke-SynapseDevApi -Server $server -Path faults -Method POST -Body @{}
    Invoke-Paced $server 'near' 0
    Invoke-Paced $server 'near' 3
    # Far away with a capacity: a PUT or POST arriving while Capacity are served gets 503 without Retry-After.
    $null = Invoke-SynapseDevApi -Server $server -Path faults -Method POST -Body @{ latencyMs = $LatencyMs; maxInflight = $Capacity }
    Invoke-Paced $server 'capacity' 0
    Invoke-Paced $server 'capacity' $Capacity
}
finally {
    $server | Stop-SynapseDevServer
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
    Remove-Item -LiteralPath $storage -Recurse -Force -ErrorAction Ignore
    Remove-Item Env:SYNAPSEPS_STATE_DIR -ErrorAction Ignore
}
Save-BenchSection $data $ResultsPath
& (Join-Path $PSScriptRoot 'Write-PerformanceReport.ps1') -ResultsPath $ResultsPath -OutputPath $OutputPath
