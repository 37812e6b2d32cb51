<#
.SYNOPSIS
    One flat folder of 10,000 and of 100,000 files of 512 B given to Invoke-SynapseBatchUpload -Recurse (the engine
    walks it), beside the same files piped from Get-ChildItem: files/s and peak memory of the upload, the rerun with
    -SkipUploaded, Get-ChildItem alone, the time to the first request and the time until the total is known.
    Saves the runs to bench/results/Folders.json and rewrites docs/performance.md from the data files.
.EXAMPLE
    ./bench/Measure-Folders.ps1 -ModuleManifest ./out/SynapsePS/SynapsePS.psd1
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [int[]] $Counts = @(10000, 100000),
    [int] $FileBytes = 512,
    [int] $ThrottleLimit = 4,
    [int] $Runs = 3,                      # runs of each quick figure (the reruns, Get-ChildItem alone); the uploads run once
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

$work = Join-Path ([IO.Path]::GetTempPath()) ('synapse-folders-' + [guid]::NewGuid().ToString('N'))
$shm = if (Test-Path /dev/shm) { '/dev/shm' } else { $work }
$token = 'bench-folders'
$parameters = [ordered]@{ Counts = $Counts; FileBytes = $FileBytes; ThrottleLimit = $ThrottleLimit; Runs = $Runs }
$data = New-BenchSection -Name Folders -Parameters $parameters `
    -Command "bench/Measure-Folders.ps1 -ModuleManifest out/SynapsePS/SynapsePS.psd1 -Counts $($Counts -join ',') -FileBytes $FileBytes -ThrottleLimit $ThrottleLimit -Runs $Runs"

function Invoke-Measured($Server, [string] $Directory, [string] $State, [string] $Mode, [switch] $SkipUploaded, [switch] $Summary) {
    # One figure: a fresh pwsh running bench/Measure-Folder.ps1; its JSON line, plus the requests the server saw.
    $env:SYNAPSEPS_STATE_DIR = $State
    $arguments = @('-File', (Join-Path $PSScriptRoot 'Measure-Folder.ps1'), '-ModuleManifest', $ModuleManifest, '-Url', $Server.Url, '-Token', $token,
        '-Directory', $Directory, '-ThrottleLimit', $ThrottleLimit, '-Mode', $Mode) + @(if ($SkipUploaded) { '-SkipUploaded' }) + @(if ($Summary) { '-Summary' })
    $out = Invoke-ChildPwsh $arguments 2>&1
    $json = $out | Where-Object { "$_" -like '{*' } | Select-Object -Last 1
    if (-not $json) { throw "A measured batch failed: $($out | Out-String)" }
    $run = $json | ConvertFrom-Json
    $requests = @(foreach ($r in (Invoke-SynapseDevApi -Server $Server -Path requests)) { if ($null -ne $r) { $r } }).Count
    $run | Add-Member -NotePropertyName Requests -NotePropertyValue $requests -PassThru
}

$null = New-Item -ItemType Directory -Path $work
try {
    foreach ($n in $Counts) {
        $dir = Join-Path $work "flat-$n"
        $null = New-Item -ItemType Directory -Path $dir
        Write-Host "Writing $n files of $FileBytes B into one folder..."
        $rng = [Random]::new($n)
        $buffer = [byte[]]::new($FileBytes)
        for ($i = 0; $i -lt $n; $i++) { $rng.NextBytes($buffer); [IO.File]::WriteAllBytes((Join-Path $dir ('f{0:000000}.bin' -f $i)), $buffer) }

        $storage = Join-Path $shm ('synapse-folders-store-' + [guid]::NewGuid().ToString('N'))
        $server = Start-SynapseDevServer -ArgumentList '--token', $token -StorageDirectory $storage
        try {
            $row = [ordered]@{ N = $n; Load = [ordered]@{} }
            foreach ($step in @(
                    @{ Name = 'Recurse'; Mode = 'Recurse'; State = 'state-recurse' }
                    @{ Name = 'Piped'; Mode = 'Piped'; State = 'state-piped' }
                    @{ Name = 'RecurseRerun'; Mode = 'Recurse'; State = 'state-recurse'; Skip = $true }
                    @{ Name = 'RecurseRerunSummary'; Mode = 'Recurse'; State = 'state-recurse'; Skip = $true; Summary = $true }
                    @{ Name = 'PipedRerun'; Mode = 'Piped'; State = 'state-piped'; Skip = $true }
                    @{ Name = 'Alone'; Mode = 'EnumerateOnly'; State = 'state-none' })) {
                Write-Host "$($step.Name): $n files..."
                $row.Load[$step.Name] = [double]((Get-Content /proc/loadavg) -split ' ')[0]
                # An upload changes the state it is measured against, so it runs once; a rerun or a listing takes a
                # few seconds and leaves everything as it was, so it runs $Runs times and the median run is kept.
                $times = if ($step.Mode -eq 'EnumerateOnly' -or $step['Skip']) { $Runs } else { 1 }
                $measured = @(for ($i = 0; $i -lt $times; $i++) {
                        $run = Invoke-Measured $server $dir (Join-Path $work "$($step.State)-$n") $step.Mode -SkipUploaded:([bool]$step['Skip']) -Summary:([bool]$step['Summary'])
                        $expected = if ($step['Skip']) { 'Skipped' } else { 'Succeeded' }
                        if ($run.$expected -ne $n) { throw "$($step.Name) gave $($run.$expected) of $n files $expected ($($run.Failed) failed)." }
                        $run
                    })
                $median = @($measured | Sort-Object Seconds)[[int][Math]::Floor(($measured.Count - 1) / 2)]
                $median | Add-Member -NotePropertyName AllSeconds -NotePropertyValue @($measured.Seconds)
                $row[$step.Name] = $median
            }
            Add-BenchRun $data 'rows' ([pscustomobject]$row)
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
