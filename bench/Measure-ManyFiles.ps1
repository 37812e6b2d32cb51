<#
.SYNOPSIS
    Many small files: Invoke-SynapseBatchUpload on 10,000 and 100,000 files of 512 B (-ThrottleLimit 4), its peak
    memory, the rerun with -SkipUploaded, and the Python recipe (ThreadPoolExecutor of 4) on the same files.
    Saves the runs to bench/results/ManyFiles.json and rewrites docs/performance.md from the data files.
.EXAMPLE
    ./bench/Measure-ManyFiles.ps1 -ModuleManifest ./out/SynapsePS/SynapsePS.psd1
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [int[]] $Counts = @(10000, 100000),
    [int] $FileBytes = 512,
    [int] $ThrottleLimit = 4,
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
& /usr/bin/python3 -c 'import requests' 2>$null
if ($LASTEXITCODE -ne 0) { throw 'The Python recipe needs python3-requests: apt-get install -y python3-requests' }

$work = Join-Path ([IO.Path]::GetTempPath()) ('synapse-many-' + [guid]::NewGuid().ToString('N'))
$shm = if (Test-Path /dev/shm) { '/dev/shm' } else { $work }
$token = 'bench-many'
$parameters = [ordered]@{ Counts = $Counts; FileBytes = $FileBytes; ThrottleLimit = $ThrottleLimit }
$data = New-BenchSection -Name ManyFiles -Parameters $parameters `
    -Command "bench/Measure-ManyFiles.ps1 -ModuleManifest out/SynapsePS/SynapsePS.psd1 -Counts $($Counts -join ',') -FileBytes $FileBytes -ThrottleLimit $ThrottleLimit"

function Invoke-Batch([string] $Url, [string] $Directory, [string] $State, [switch] $SkipUploaded, [switch] $EnumerateOnly) {
    $env:SYNAPSEPS_STATE_DIR = $State
    $arguments = @('-File', (Join-Path $PSScriptRoot 'Measure-Batch.ps1'), '-ModuleManifest', $ModuleManifest, '-Url', $Url, '-Token', $token,
        '-Directory', $Directory, '-ThrottleLimit', $ThrottleLimit) + @(if ($SkipUploaded) { '-SkipUploaded' }) + @(if ($EnumerateOnly) { '-EnumerateOnly' })
    $out = Invoke-ChildPwsh $arguments 2>&1
    $json = $out | Where-Object { "$_" -like '{*' } | Select-Object -Last 1
    if (-not $json) { throw "A measured batch failed: $($out | Out-String)" }
    $json | ConvertFrom-Json
}

function Get-IdleRss {
    $out = Invoke-ChildPwsh '-Command', "Import-Module '$ModuleManifest'; [long](@((Get-Content /proc/self/status) -match '^VmHWM:')[0] -replace '\D', '') * 1KB"
    [long]($out | Select-Object -Last 1)
}

$null = New-Item -ItemType Directory -Path $work
try {
    Add-BenchRun $data 'idle' ([pscustomobject]@{ PeakRss = Get-IdleRss })
    foreach ($n in $Counts) {
        $dir = Join-Path $work "files-$n"
        $null = New-Item -ItemType Directory -Path $dir
        Write-Host "Writing $n files of $FileBytes B..."
        # A dataset's shape: folders of 1,000 files (Get-ChildItem holds a folder's entries while it lists it).
        $rng = [Random]::new($n)
        $buffer = [byte[]]::new($FileBytes)
        for ($i = 0; $i -lt $n; $i++) {
            $sub = Join-Path $dir ('d{0:0000}' -f [math]::Floor($i / 1000))
            if ($i % 1000 -eq 0) { $null = New-Item -ItemType Directory -Path $sub }
            $rng.NextBytes($buffer); [IO.File]::WriteAllBytes((Join-Path $sub ('f{0:000000}.bin' -f $i)), $buffer)
        }

        $storage = Join-Path $shm ('synapse-many-store-' + [guid]::NewGuid().ToString('N'))
        $server = Start-SynapseDevServer -ArgumentList '--token', $token -StorageDirectory $storage
        try {
            $state = Join-Path $work "state-$n"
            Write-Host "PowerShell alone: Get-ChildItem -Recurse -File over $n files..."
            $alone = Invoke-Batch $server.Url $dir $state -EnumerateOnly
            Write-Host "SynapsePS: $n files, -ThrottleLimit $ThrottleLimit..."
            $first = Invoke-Batch $server.Url $dir $state
            if ($first.Succeeded -ne $n) { throw "The batch uploaded $($first.Succeeded) of $n files ($($first.Failed) failed)." }
            $null = Invoke-SynapseDevApi -Server $server -Path reset-log -Method POST
            Write-Host "SynapsePS: the rerun with -SkipUploaded..."
            $rerun = Invoke-Batch $server.Url $dir $state -SkipUploaded
            # Enumerate the reply (an empty JSON array must count as none, not as one $null).
            $requests = @(foreach ($r in (Invoke-SynapseDevApi -Server $server -Path requests)) { if ($null -ne $r) { $r } }).Count
            if ($rerun.Skipped -ne $n) { throw "The rerun skipped $($rerun.Skipped) of $n files." }
            $ledgerBytes = [long](((& du -sb (Join-Path $state 'completed')) -split '\s+')[0])
            Write-Host "Python recipe: $n files, ThreadPoolExecutor($ThrottleLimit)..."
            $py = (& /usr/bin/python3 (Join-Path $PSScriptRoot 'ref_batch.py') $server.Url $token $dir --workers $ThrottleLimit) | ConvertFrom-Json
            if ($py.files -ne $n) { throw "The Python recipe uploaded $($py.files) of $n files." }
            Add-BenchRun $data 'rows' ([pscustomobject]@{ N = $n; Alone = $alone; First = $first; Rerun = $rerun; RerunRequests = $requests; Python = $py; LedgerBytes = $ledgerBytes })
        }
        finally {
            $server | Stop-SynapseDevServer
            Remove-Item -LiteralPath $storage -Recurse -Force -ErrorAction Ignore
            Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction Ignore
        }
    }
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
    Remove-Item Env:SYNAPSEPS_STATE_DIR -ErrorAction Ignore
}

Save-BenchSection $data $ResultsPath
& (Join-Path $PSScriptRoot 'Write-PerformanceReport.ps1') -ResultsPath $ResultsPath -OutputPath $OutputPath
