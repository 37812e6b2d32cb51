<#
.SYNOPSIS
    Many small files: Invoke-SynapseBatchUpload on 10,000 and 100,000 files of 512 B (-ThrottleLimit 4), its peak
    memory, the rerun with -SkipUploaded, and the Python recipe (ThreadPoolExecutor of 4) on the same files.
    Writes its section of docs/performance.md (between its markers), leaving the rest of the file as it is.
.EXAMPLE
    ./bench/Measure-ManyFiles.ps1 -ModuleManifest ./out/SynapsePS/SynapsePS.psd1
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [int[]] $Counts = @(10000, 100000),
    [int] $FileBytes = 512,
    [int] $ThrottleLimit = 4,
    [string] $OutputPath = (Join-Path (Split-Path $PSScriptRoot -Parent) 'docs/performance.md')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = Split-Path $PSScriptRoot -Parent
Import-Module (Join-Path $root 'tools/DevServer.psm1')
Import-Module (Join-Path $root 'tools/ChildPwsh.psm1')
$ModuleManifest = (Resolve-Path $ModuleManifest).Path
& /usr/bin/python3 -c 'import requests' 2>$null
if ($LASTEXITCODE -ne 0) { throw 'The Python recipe needs python3-requests: apt-get install -y python3-requests' }

$work = Join-Path ([IO.Path]::GetTempPath()) ('synapse-many-' + [guid]::NewGuid().ToString('N'))
$shm = if (Test-Path /dev/shm) { '/dev/shm' } else { $work }
$token = 'bench-many'
$rows = [Collections.Generic.List[object]]::new()

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
    $idle = Get-IdleRss
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
            $rows.Add([pscustomobject]@{ N = $n; Alone = $alone; First = $first; Rerun = $rerun; RerunRequests = $requests; Python = $py; LedgerBytes = $ledgerBytes })
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

$cpuModel = ((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -split ':\s*', 2)[1]
$mem = [math]::Round(([long](((Get-Content /proc/meminfo)[0] -replace '\D', '')) * 1KB) / 1GB, 1)
$md = [Collections.Generic.List[string]]::new()
$md.Add('<!-- many-files: written by bench/Measure-ManyFiles.ps1 -->')
$md.Add("## Many small files: $($Counts -join ' and ') files of $FileBytes B")
$md.Add('')
$md.Add("Measured by ``bench/Measure-ManyFiles.ps1`` (run by ``dotnet pwsh ./build.ps1 -Task Bench``) on $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC: $([Environment]::ProcessorCount) × $cpuModel, $mem GiB, $((Get-Content /etc/os-release | Where-Object { $_ -like 'PRETTY_NAME=*' }) -replace 'PRETTY_NAME=|"'), pwsh $($PSVersionTable.PSVersion). Client and dev server on the same machine; the server stores on tmpfs, the files and the state folder are on $(((& df -T $([IO.Path]::GetTempPath()) | Select-Object -Last 1) -split '\s+')[1]). The files lie in folders of 1,000. Each SynapsePS figure is one fresh pwsh running ``Get-ChildItem -Recurse -File | Invoke-SynapseBatchUpload -ThrottleLimit $ThrottleLimit`` and keeping no results; ""PowerShell alone"" is the same pwsh running only ``Get-ChildItem -Recurse -File | ForEach-Object``, the floor under any cmdlet fed that way; the Python recipe is ``bench/ref_batch.py``: synapse-sdk's batch shape, a ThreadPoolExecutor of $ThrottleLimit doing per file what ``create_chunked_upload`` does.")
$md.Add('')
$md.Add('| Files | SynapsePS files/s | peak RSS | rerun -SkipUploaded files/s | rerun peak RSS | requests in rerun | PowerShell alone files/s | its peak RSS | Python recipe files/s | Python peak RSS | ledger on disk |')
$md.Add('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
foreach ($r in $rows) {
    $md.Add(('| {0:N0} | {1:N0} | {2:N0} MiB | {3:N0} | {4:N0} MiB | {5} | {6:N0} | {7:N0} MiB | {8:N0} | {9:N0} MiB | {10:N0} MiB |' -f $r.N, ($r.N / $r.First.Seconds), ($r.First.PeakRss / 1MB),
        ($r.N / $r.Rerun.Seconds), ($r.Rerun.PeakRss / 1MB), $r.RerunRequests, ($r.N / $r.Alone.Seconds), ($r.Alone.PeakRss / 1MB),
        ($r.N / $r.Python.seconds), ($r.Python.peak_rss / 1MB), ($r.LedgerBytes / 1MB)))
}
$md.Add('')
if ($rows.Count -ge 2) {
    $ratio = $rows[-1].First.PeakRss / $rows[0].First.PeakRss
    $md.Add(('Peak RSS at {0:N0} files ÷ peak at {1:N0}: **{2:N2}** (target ≤ 1.15). An idle pwsh with the module imported peaks at {3:N0} MiB.' -f $rows[-1].N, $rows[0].N, $ratio, ($idle / 1MB)))
    $md.Add('Targets: ≥ 2,000 files/s for the upload, ≥ 20,000 files/s and no request for the rerun with -SkipUploaded.')
}
$md.Add('<!-- /many-files -->')
$block = $md -join "`n"

$text = if (Test-Path $OutputPath) { Get-Content -LiteralPath $OutputPath -Raw } else { "# Performance`n" }
$pattern = '(?s)<!-- many-files: .*?<!-- /many-files -->'
$text = if ($text -match $pattern) { [regex]::Replace($text, $pattern, { $block }) } else { $text.TrimEnd() + "`n`n" + $block + "`n" }
Set-Content -LiteralPath $OutputPath -Value $text -NoNewline
Write-Host "Wrote $OutputPath"
$block
