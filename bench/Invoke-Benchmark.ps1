<#
.SYNOPSIS
    Measures SynapsePS against md5sum, the Python SDK's way of uploading (shared/bench/ref_client.py) and curl,
    on this machine and the bundled dev server, and writes docs/performance.md. Figures are measured, never typed.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Bench
.EXAMPLE
    ./bench/Invoke-Benchmark.ps1 -ModuleManifest ./out/SynapsePS/SynapsePS.psd1 -Runs 1 -SizeMiB 128 -LargeSizeMiB 256 -BatchFiles 50
.EXAMPLE
    ./bench/Invoke-Benchmark.ps1 -ModuleManifest ./out/SynapsePS/SynapsePS.psd1 -Only Cap
    Only the bandwidth cap (about 2.5 minutes); the other sections of docs/performance.md are kept as they are.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [int] $Runs = 3,
    [int] $SizeMiB = 1024,
    [int] $LargeSizeMiB = 4096,
    [int] $BatchFiles = 500,
    [ValidateSet('Single', 'Memory', 'Batch', 'Progress', 'Intake', 'Cap')] [string[]] $Skip = @(),
    # Run only these sections; the figures of the others already in -OutputPath are kept.
    [ValidateSet('Single', 'Memory', 'Batch', 'Progress', 'Intake', 'Cap')] [string[]] $Only = @(),
    [int] $CapSizeMiB = 100,
    [double[]] $CapMiBPerSecond = @(2, 10, 50),
    # Write the report from the raw runs a previous run saved in bench/results, measuring nothing.
    [string] $ReportFrom,
    [string] $OutputPath = (Join-Path (Split-Path $PSScriptRoot -Parent) 'docs/performance.md')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$sectionNames = 'Single', 'Memory', 'Batch', 'Progress', 'Intake', 'Cap'
if ($Only) { $Skip = @($sectionNames | Where-Object { $_ -notin $Only }) }
$partial = $Skip.Count -gt 0
$root = Split-Path $PSScriptRoot -Parent
Import-Module (Join-Path $root 'tools/DevServer.psm1')
Import-Module (Join-Path $root 'tools/ChildPwsh.psm1')
$ModuleManifest = (Resolve-Path $ModuleManifest).Path
$refClient = Join-Path (Split-Path $root -Parent) 'shared/bench/ref_client.py'

# ---- prerequisites: the baseline needs Debian's python3-requests, timings need GNU time
if ('Single' -notin $Skip) {
    & /usr/bin/python3 -c 'import requests' 2>$null
    if ($LASTEXITCODE -ne 0) { throw 'The baseline needs python3-requests: apt-get install -y python3-requests' }
    if (-not (Test-Path $refClient)) { throw "The baseline client is missing: $refClient" }
}
if ((@('Single', 'Intake') | Where-Object { $_ -notin $Skip }) -and -not (Test-Path /usr/bin/time)) { throw 'GNU time is needed: apt-get install -y time' }

$work = Join-Path ([IO.Path]::GetTempPath()) ('synapse-bench-' + [guid]::NewGuid().ToString('N'))
# The server stores on tmpfs where there is one: the benchmark measures the client, not this VM's ext4 page cache.
$storage = if (Test-Path /dev/shm) { Join-Path /dev/shm ('synapse-bench-store-' + [guid]::NewGuid().ToString('N')) } else { Join-Path $work 'store' }
$null = New-Item -ItemType Directory -Path $work, $storage
$env:SYNAPSEPS_STATE_DIR = Join-Path $work 'state'
$token = 'bench'
$raw = [ordered]@{}

function Add-Raw([string] $Name, $Value) { if (-not $raw.Contains($Name)) { $raw[$Name] = New-Object System.Collections.ArrayList }; $null = $raw[$Name].Add($Value) }
function Clear-Storage { Get-ChildItem -LiteralPath $storage -ErrorAction Ignore | Remove-Item -Force -ErrorAction Ignore }

function Invoke-Timed([string] $Exe, [string[]] $Arguments) {
    # Wall and CPU of a native command through GNU time: '%e %U %S %M' (seconds, user, system, peak KiB).
    $timeFile = Join-Path $work 'time.txt'
    $out = & /usr/bin/time -o $timeFile -f '%e %U %S %M' $Exe @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$Exe failed: $out" }
    $t = (Get-Content $timeFile | Select-Object -Last 1) -split ' '
    [pscustomobject]@{ Seconds = [double]$t[0]; CpuSeconds = [double]$t[1] + [double]$t[2]; PeakRss = [long]$t[3] * 1KB; Output = ($out | Out-String) }
}

function Invoke-Measured([hashtable] $Arguments) {
    $list = New-Object System.Collections.Generic.List[string]
    foreach ($k in $Arguments.Keys) {
        if ($Arguments[$k] -is [switch] -or $Arguments[$k] -is [bool]) { if ($Arguments[$k]) { $list.Add("-$k") } }
        else { $list.Add("-$k"); $list.Add([string]$Arguments[$k]) }
    }
    $out = Invoke-ChildPwsh (@('-File', (Join-Path $PSScriptRoot 'Measure-Upload.ps1'), '-ModuleManifest', $ModuleManifest, '-Url', $server.Url, '-Token', $token) + $list) 2>&1
    $json = $out | Where-Object { "$_" -like '{*' } | Select-Object -Last 1
    if (-not $json) { throw "A measured upload failed: $($out | Out-String)" }
    $json | ConvertFrom-Json
}

function Get-Stats([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $n = $sorted.Count
    $median = if ($n % 2) { $sorted[[int][Math]::Floor($n / 2)] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
    [pscustomobject]@{ Median = $median; Min = $sorted[0]; Max = $sorted[-1] }
}

function Format-Stat($s, [string] $Format = 'N2') { '{0} ({1} – {2})' -f $s.Median.ToString($Format), $s.Min.ToString($Format), $s.Max.ToString($Format) }

function New-RandomFile([string] $Path, [long] $Bytes) {
    & head -c $Bytes /dev/urandom > $Path
    & cat $Path > /dev/null   # warm the page cache so every contender reads from memory
}

# Throughput runs measure the client: the server receives into large blocks so that it is not the bottleneck.
if ($ReportFrom) {
    $saved = Get-Content -LiteralPath $ReportFrom -Raw | ConvertFrom-Json
    foreach ($p in $saved.PSObject.Properties) { foreach ($run in @($p.Value)) { Add-Raw $p.Name $run } }
    Remove-Item -LiteralPath $work, $storage -Recurse -Force -ErrorAction Ignore
}
else {
$server = Start-SynapseDevServer -ArgumentList '--token', $token, '--large-buffer-transport' -StorageDirectory $storage
try {
    $file = Join-Path $work 'data-1.bin'
    $mib = $SizeMiB
    if (@('Single', 'Intake', 'Progress', 'Memory') | Where-Object { $_ -notin $Skip }) {
        New-RandomFile $file ([long]$SizeMiB * 1MB)
        $expected = ((& md5sum $file) -split ' ')[0]
    }

    if ('Single' -notin $Skip) {
        for ($i = 1; $i -le $Runs; $i++) {
            Write-Host "Run $i/${Runs}: md5sum, SynapsePS, ref_client.py on $SizeMiB MiB..."
            $m = Invoke-Timed md5sum @($file); Add-Raw 'md5sum' $m
            Clear-Storage
            $s = Invoke-Measured @{ Path = $file; Mode = 'Send' }
            if ($s.Md5 -ne $expected) { throw "SynapsePS uploaded a wrong MD5 ($($s.Md5), expected $expected)." }
            Add-Raw 'synapseps' $s
            Clear-Storage
            $r = Invoke-Timed /usr/bin/python3 @($refClient, $server.Url, $token, $file)
            if ($r.Output -notmatch $expected) { throw "ref_client.py did not report the file's MD5: $($r.Output)" }
            Add-Raw 'ref_client' $r
            Clear-Storage
        }
    }

    if ('Intake' -notin $Skip) {
        # The server's own intake: curl sends the same 50 MiB multipart chunks in sequence.
        # The parts are cut beforehand (on tmpfs), so only curl's sending is timed.
        $parts = if (Test-Path /dev/shm) { Join-Path /dev/shm ('synapse-bench-parts-' + [guid]::NewGuid().ToString('N')) } else { Join-Path $work 'parts' }
        $null = New-Item -ItemType Directory -Path $parts
        & split -b 50M -d -a 4 $file (Join-Path $parts 'p')
        $intake = Join-Path $work 'intake.sh'
        Set-Content -LiteralPath $intake -Value @'
#!/bin/bash
set -e
base="$1"; tok="$2"; dir="$3"; total="$4"; off=0; url="${base}chunked_upload/"
for part in "$dir"/p*; do
  len=$(stat -c %s "$part"); end=$(( off + len - 1 ))
  resp=$(curl -sS -X PUT -H "Synapse-Access-Token: Token $tok" -H "Content-Range: bytes $off-$end/$total" \
        -F filename=intake.bin -F "file=@$part;filename=chunk;type=application/octet-stream" "$url")
  url=$(printf '%s' "$resp" | grep -o '"url":"[^"]*"' | cut -d'"' -f4)
  off=$(( end + 1 ))
done
'@
        try {
            for ($i = 1; $i -le $Runs; $i++) {
                Write-Host "Run $i/${Runs}: server intake with curl..."
                Add-Raw 'curl' (Invoke-Timed bash @($intake, $server.Url, $token, $parts, (Get-Item $file).Length))
                Clear-Storage
            }
        }
        finally { Remove-Item -LiteralPath $parts -Recurse -Force }
    }

    if ('Progress' -notin $Skip) {
        for ($i = 1; $i -le $Runs; $i++) {
            Write-Host "Run $i/${Runs}: progress shown vs silent..."
            Add-Raw 'progress-on' (Invoke-Measured @{ Path = $file; Mode = 'Send'; Progress = 'Continue' }); Clear-Storage
            Add-Raw 'progress-off' (Invoke-Measured @{ Path = $file; Mode = 'Send'; Progress = 'SilentlyContinue' }); Clear-Storage
        }
    }

    if ('Memory' -notin $Skip) {
        $large = Join-Path $work 'large.bin'
        & truncate -s "$($LargeSizeMiB)M" $large   # sparse: memory is about buffers, not the data
        for ($i = 1; $i -le $Runs; $i++) {
            Write-Host "Run $i/${Runs}: peak memory (idle, $SizeMiB MiB, $LargeSizeMiB MiB)..."
            Add-Raw 'idle' (Invoke-Measured @{ Mode = 'Idle' })
            Add-Raw 'mem-small' (Invoke-Measured @{ Path = $file; Mode = 'Send' }); Clear-Storage
            Add-Raw 'mem-large' (Invoke-Measured @{ Path = $large; Mode = 'Send' }); Clear-Storage
        }
        Remove-Item -LiteralPath $large
    }

    if ('Batch' -notin $Skip) {
        $batchDir = Join-Path $work 'batch'
        $null = New-Item -ItemType Directory -Path $batchDir
        $block = [byte[]]::new(1MB)
        $rng = [Random]::new(7)
        $batch = foreach ($n in 1..$BatchFiles) { $rng.NextBytes($block); $p = Join-Path $batchDir ("f{0:0000}.bin" -f $n); [IO.File]::WriteAllBytes($p, $block); $p }
        $batchList = Join-Path $work 'batch.txt'
        Set-Content -LiteralPath $batchList -Value $batch
        for ($i = 1; $i -le $Runs; $i++) {
            Write-Host "Run $i/${Runs}: $BatchFiles x 1 MiB, one after another vs -ThrottleLimit 4..."
            $seq = Invoke-Measured @{ Path = $batchList; Many = $true; Mode = 'Send' }; Add-Raw 'batch-seq' $seq; Clear-Storage
            $par = Invoke-Measured @{ Path = $batchList; Many = $true; Mode = 'Batch'; ThrottleLimit = 4 }; Add-Raw 'batch-par' $par; Clear-Storage
            if ($seq.Files -ne $BatchFiles -or $par.Files -ne $BatchFiles -or $par.Failed -ne 0) { throw "A batch run lost files: $($seq.Files) / $($par.Files) ($($par.Failed) failed)." }
        }
        # A server 20 ms away (each chunk answer delayed), as a real backend across a network is.
        $null = Invoke-SynapseDevApi -Server $server -Path faults -Method POST -Body @{ latencyMs = 20 }
        try {
            for ($i = 1; $i -le $Runs; $i++) {
                Write-Host "Run $i/${Runs}: the same batch with 20 ms server latency..."
                Add-Raw 'batch-seq-20ms' (Invoke-Measured @{ Path = $batchList; Many = $true; Mode = 'Send' }); Clear-Storage
                Add-Raw 'batch-par-20ms' (Invoke-Measured @{ Path = $batchList; Many = $true; Mode = 'Batch'; ThrottleLimit = 4 }); Clear-Storage
            }
        }
        finally { $null = Invoke-SynapseDevApi -Server $server -Path faults -Method POST -Body @{} }
    }

    if ('Cap' -notin $Skip) {
        # -MaxBytesPerSecond: one file of CapSizeMiB and a batch of 4 quarter files at once, at each cap, against the
        # same bytes uncapped (for the CPU comparison).
        $capFile = Join-Path $work 'cap.bin'
        New-RandomFile $capFile ([long]$CapSizeMiB * 1MB)
        $capList = Join-Path $work 'cap-batch.txt'
        $quarters = foreach ($n in 1..4) { $q = Join-Path $work "cap-$n.bin"; New-RandomFile $q ([long]$CapSizeMiB * 1MB / 4); $q }
        Set-Content -LiteralPath $capList -Value $quarters
        Write-Host "Cap: $CapSizeMiB MiB uncapped, one file and a batch of 4..."
        Add-Raw 'cap-none-send' (Invoke-Measured @{ Path = $capFile; Mode = 'Send' }); Clear-Storage
        Add-Raw 'cap-none-batch' (Invoke-Measured @{ Path = $capList; Many = $true; Mode = 'Batch'; ThrottleLimit = 4 }); Clear-Storage
        # What a pwsh with the module costs doing nothing for as long as the slowest capped upload takes.
        $idleSeconds = [Math]::Ceiling($CapSizeMiB / ($CapMiBPerSecond | Measure-Object -Minimum).Minimum)
        Write-Host "Cap: an idle pwsh for $idleSeconds s..."
        Add-Raw 'cap-idle' (Invoke-Measured @{ Mode = 'Wait'; Seconds = $idleSeconds })
        foreach ($rate in $CapMiBPerSecond) {
            $bytesPerSecond = [long]($rate * 1MB)
            Write-Host "Cap: $CapSizeMiB MiB at $rate MiB/s, one file and a batch of 4 ($([Math]::Round(2 * $CapSizeMiB / $rate)) s)..."
            Add-Raw "cap-$rate-send" (Invoke-Measured @{ Path = $capFile; Mode = 'Send'; MaxBytesPerSecond = $bytesPerSecond }); Clear-Storage
            $b = Invoke-Measured @{ Path = $capList; Many = $true; Mode = 'Batch'; ThrottleLimit = 4; MaxBytesPerSecond = $bytesPerSecond }; Clear-Storage
            if ($b.Files -ne 4 -or $b.Failed -ne 0) { throw "A capped batch lost files: $($b.Files) ($($b.Failed) failed)." }
            Add-Raw "cap-$rate-batch" $b
        }
    }
}
finally {
    $server | Stop-SynapseDevServer
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
    Remove-Item -LiteralPath $storage -Recurse -Force -ErrorAction Ignore
}

}

# ---- the report
$results = Join-Path $PSScriptRoot 'results'
$null = New-Item -ItemType Directory -Force -Path $results
$stamp = Get-Date -Format 'yyyyMMdd-HHmmss'
if (-not $ReportFrom) { $raw | ConvertTo-Json -Depth 5 | Set-Content (Join-Path $results "bench-$stamp.json") }

$cpuModel = ((Get-Content /proc/cpuinfo) -match '^model name' | Select-Object -First 1) -replace '^model name\s*:\s*', ''
$memGiB = [Math]::Round([long](@((Get-Content /proc/meminfo) -match '^MemTotal:')[0] -replace '\D', '') * 1KB / 1GB, 1)
$os = ((Get-Content /etc/os-release) -match '^PRETTY_NAME=') -replace '^PRETTY_NAME=|"', ''
$py = if ('Single' -notin $Skip) { (& /usr/bin/python3 -c 'import sys, requests; print(sys.version.split()[0], requests.__version__)') -split ' ' } else { 'n/a', 'n/a' }
$md = New-Object System.Collections.Generic.List[string]
$md.Add('# Performance')
$md.Add('')
$md.Add("Measured by ``dotnet pwsh ./build.ps1 -Task Bench`` (``bench/Invoke-Benchmark.ps1 -Runs $Runs -SizeMiB $SizeMiB -LargeSizeMiB $LargeSizeMiB -BatchFiles $BatchFiles``) on $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC. This file is written by the benchmark; figures are never typed in.")
$md.Add('')
$md.Add('## Machine')
$md.Add('')
$md.Add("- CPU: $cpuModel, $([Environment]::ProcessorCount) cores; memory $memGiB GiB")
$md.Add("- OS: $os, kernel $(uname -r)")
$md.Add("- .NET SDK $(dotnet --version); PowerShell $($PSVersionTable.PSVersion); Python $($py[0]) with requests $($py[1])")
$md.Add("- Client and the bundled dev server share the machine and talk over loopback; the server stores on $(if ($storage -like '/dev/shm/*') { 'tmpfs (/dev/shm)' } else { 'local disk' }) and hashes every chunk as it arrives, as a Synapse backend does.")
$md.Add('')
$md.Add("Each figure is the median of $Runs runs with the spread (min – max) in brackets; ratios are taken from the medians of the same run set. Every SynapsePS upload was checked against the file's MD5 (the benchmark stops on a mismatch).")
$md.Add('')

function Row([string] $What, [string] $Value, [string] $Target, $Met) { "| $What | $Value | $Target | $(if ($null -eq $Met) { '—' } elseif ($Met) { 'yes' } else { '**no**' }) |" }

if ($raw.Contains('synapseps')) {
    $md5 = Get-Stats ($raw['md5sum'] | ForEach-Object Seconds)
    $md5Cpu = Get-Stats ($raw['md5sum'] | ForEach-Object CpuSeconds)
    $syn = Get-Stats ($raw['synapseps'] | ForEach-Object Seconds)
    $synCpu = Get-Stats ($raw['synapseps'] | ForEach-Object CpuSeconds)
    $ref = Get-Stats ($raw['ref_client'] | ForEach-Object Seconds)
    $gib = $mib / 1024
    $md.Add("## One $mib MiB file, default 50 MiB chunks")
    $md.Add('')
    $md.Add('| Measure | Figure | Target | Met |')
    $md.Add('| --- | --- | --- | --- |')
    $md.Add((Row 'md5sum, wall s' (Format-Stat $md5) '' $null))
    $md.Add((Row 'SynapsePS upload, wall s' (Format-Stat $syn) '' $null))
    $md.Add((Row 'SynapsePS throughput, MB/s' ('{0:N0}' -f ($mib / $syn.Median)) '' $null))
    $md.Add((Row 'ref_client.py (Python SDK way), wall s' (Format-Stat $ref) '' $null))
    $md.Add((Row 'SynapsePS wall ÷ md5sum wall' ('{0:N2}' -f ($syn.Median / $md5.Median)) '≤ 1.5' (($syn.Median / $md5.Median) -le 1.5)))
    $md.Add((Row 'ref_client.py wall ÷ SynapsePS wall' ('{0:N2}' -f ($ref.Median / $syn.Median)) '≥ 2' (($ref.Median / $syn.Median) -ge 2)))
    $md.Add((Row 'SynapsePS client CPU s per GiB' ('{0:N2}' -f ($synCpu.Median / $gib)) '' $null))
    $md.Add((Row 'md5sum CPU s per GiB' ('{0:N2}' -f ($md5Cpu.Median / $gib)) '' $null))
    $md.Add((Row 'client CPU ÷ md5sum CPU' ('{0:N2}' -f ($synCpu.Median / $md5Cpu.Median)) '≤ 1.3' (($synCpu.Median / $md5Cpu.Median) -le 1.3)))
    $md.Add('')
}
if ($raw.Contains('curl')) {
    $curl = Get-Stats ($raw['curl'] | ForEach-Object Seconds)
    $md.Add('## The server''s own intake')
    $md.Add('')
    $md.Add('| Measure | Figure |')
    $md.Add('| --- | --- |')
    $md.Add("| curl sending the same 50 MiB multipart chunks, wall s | $(Format-Stat $curl) |")
    $md.Add("| curl intake, MB/s | $('{0:N0}' -f ($mib / $curl.Median)) |")
    if ($raw.Contains('synapseps')) { $md.Add("| SynapsePS, MB/s (same server) | $('{0:N0}' -f ($mib / (Get-Stats ($raw['synapseps'] | ForEach-Object Seconds)).Median)) |") }
    $md.Add('')
}
if ($raw.Contains('idle')) {
    $idle = Get-Stats ($raw['idle'] | ForEach-Object { $_.PeakRss / 1MB })
    $small = Get-Stats ($raw['mem-small'] | ForEach-Object { $_.PeakRss / 1MB })
    $large = Get-Stats ($raw['mem-large'] | ForEach-Object { $_.PeakRss / 1MB })
    $growth = $large.Median - $idle.Median
    $md.Add('## Memory (peak resident set of the uploading pwsh)')
    $md.Add('')
    $md.Add('| Measure | Figure | Target | Met |')
    $md.Add('| --- | --- | --- | --- |')
    $md.Add((Row 'idle pwsh with the module imported, MiB' (Format-Stat $idle 'N0') '' $null))
    $md.Add((Row "uploading $mib MiB, MiB" (Format-Stat $small 'N0') '' $null))
    $md.Add((Row "uploading $LargeSizeMiB MiB (sparse), MiB" (Format-Stat $large 'N0') '' $null))
    $md.Add((Row 'growth over idle (largest file), MiB' ('{0:N0}' -f $growth) '≤ 64' ($growth -le 64)))
    $md.Add((Row "$LargeSizeMiB MiB peak ÷ $mib MiB peak" ('{0:N2}' -f ($large.Median / $small.Median)) '0.90 – 1.10' ([Math]::Abs($large.Median / $small.Median - 1) -le 0.10)))
    $md.Add('')
}
if ($raw.Contains('batch-seq')) {
    $seq = Get-Stats ($raw['batch-seq'] | ForEach-Object { $BatchFiles / $_.Seconds })
    $par = Get-Stats ($raw['batch-par'] | ForEach-Object { $BatchFiles / $_.Seconds })
    $md.Add("## Batch: $BatchFiles files of 1 MiB")
    $md.Add('')
    $md.Add('| Measure | Figure | Target | Met |')
    $md.Add('| --- | --- | --- | --- |')
    $md.Add((Row 'Send-SynapseChunkedUpload one after another, files/s' (Format-Stat $seq 'N1') '' $null))
    $md.Add((Row 'Invoke-SynapseBatchUpload -ThrottleLimit 4, files/s' (Format-Stat $par 'N1') '' $null))
    $md.Add((Row 'parallel ÷ sequential' ('{0:N2}' -f ($par.Median / $seq.Median)) '≥ 3' (($par.Median / $seq.Median) -ge 3)))
    if ($raw.Contains('batch-seq-20ms')) {
        $seqL = Get-Stats ($raw['batch-seq-20ms'] | ForEach-Object { $BatchFiles / $_.Seconds })
        $parL = Get-Stats ($raw['batch-par-20ms'] | ForEach-Object { $BatchFiles / $_.Seconds })
        $md.Add((Row 'with 20 ms server latency: one after another, files/s' (Format-Stat $seqL 'N1') '' $null))
        $md.Add((Row 'with 20 ms server latency: -ThrottleLimit 4, files/s' (Format-Stat $parL 'N1') '' $null))
        $md.Add((Row 'with 20 ms server latency: parallel ÷ sequential' ('{0:N2}' -f ($parL.Median / $seqL.Median)) '≥ 3' (($parL.Median / $seqL.Median) -ge 3)))
    }
    $md.Add('')
    $md.Add('Client and server share the 2 cores, so without latency both sequential and parallel runs are CPU-bound and parallelism cannot exceed the core count; with a server at network distance, parallel uploads overlap the waits.')
    $md.Add('')
}
if ($raw.Contains('progress-on')) {
    $on = Get-Stats ($raw['progress-on'] | ForEach-Object Seconds)
    $off = Get-Stats ($raw['progress-off'] | ForEach-Object Seconds)
    $cost = ($on.Median / $off.Median - 1) * 100
    $md.Add('## Progress')
    $md.Add('')
    $md.Add('| Measure | Figure | Target | Met |')
    $md.Add('| --- | --- | --- | --- |')
    $md.Add((Row "`$ProgressPreference = 'Continue', wall s" (Format-Stat $on) '' $null))
    $md.Add((Row "`$ProgressPreference = 'SilentlyContinue', wall s" (Format-Stat $off) '' $null))
    $md.Add((Row 'cost of progress, % of throughput' ('{0:N1}' -f $cost) '≤ 5' ($cost -le 5)))
    $md.Add('')
    $md.Add('The measured pwsh runs without a console (its output is redirected), so progress records are produced and handed to the host but not drawn.')
    $md.Add('')
}
if ($raw.Contains('cap-none-send')) {
    $md.Add('## Bandwidth cap')
    $md.Add('')
    $md.Add("Measured by ``bench/Invoke-Benchmark.ps1 -Only Cap -CapSizeMiB $CapSizeMiB -CapMiBPerSecond $($CapMiBPerSecond -join ',')`` on $(Get-Date -Format 'yyyy-MM-dd HH:mm') UTC, on the machine above ($([Environment]::ProcessorCount) cores). One run each: $CapSizeMiB MiB as one file (``Send-SynapseChunkedUpload -MaxBytesPerSecond``) and as 4 files of $($CapSizeMiB / 4) MiB at once (``Invoke-SynapseBatchUpload -ThrottleLimit 4 -MaxBytesPerSecond``, the four sharing the cap). The achieved rate is the bytes over the command's wall time; the results' rate is what the result objects report (summed over a batch's concurrent files); MB is MiB, as PowerShell's 10MB literal.")
    $md.Add('')
    $idle = $raw['cap-idle'][0]
    $idlePerSecond = $idle.CpuSeconds / $idle.Seconds
    $md.Add("An idle pwsh with the module imported uses $('{0:N3}' -f $idlePerSecond) CPU s per second of wall time here (measured over $('{0:N0}' -f $idle.Seconds) s); ""CPU s beyond idle"" takes that away from a capped run, to compare the upload's own work with the uncapped run of the same bytes.")
    $md.Add('')
    $md.Add('| Cap MB/s | Upload | Achieved MB/s | Achieved ÷ cap | Target | Met | Results'' MB/s | CPU s | CPU s beyond idle | CPU s uncapped |')
    $md.Add('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |')
    foreach ($mode in 'send', 'batch') {
        $none = $raw["cap-none-$mode"][0]
        $label = if ($mode -eq 'send') { 'one file' } else { 'batch of 4' }
        $md.Add("| none | $label | $('{0:N1}' -f ($none.Bytes / 1MB / $none.Seconds)) | — | | — | $('{0:N1}' -f ($none.ResultBytesPerSecond / 1MB)) | $('{0:N2}' -f $none.CpuSeconds) | | |")
        foreach ($rate in $CapMiBPerSecond) {
            $r = $raw["cap-$rate-$mode"][0]
            $achieved = $r.Bytes / 1MB / $r.Seconds
            $ratio = $achieved / $rate
            $md.Add("| $rate | $label | $('{0:N2}' -f $achieved) | $('{0:N3}' -f $ratio) | 0.90 – 1.10 | $(if ([Math]::Abs($ratio - 1) -le 0.10) { 'yes' } else { '**no**' }) | $('{0:N2}' -f ($r.ResultBytesPerSecond / 1MB)) | $('{0:N2}' -f $r.CpuSeconds) | $('{0:N2}' -f ($r.CpuSeconds - $idlePerSecond * $r.Seconds)) | $('{0:N2}' -f $none.CpuSeconds) |")
        }
    }
    $md.Add('')
    $md.Add('The capped uploads sleep for their budget (a token bucket refilled by the clock, awaited with Task.Delay: 10 to 50 wake-ups a second, no spinning). What the cap costs in CPU is the difference between "CPU s beyond idle" and "CPU s uncapped" of the same row; Stop() ends a capped upload within a second while it waits (BandwidthTests, Network.Tests.ps1).')
    $md.Add('')
}
$md.Add('## Raw runs')
$md.Add('')
$md.Add('| Series | Run | Wall s | CPU s | Peak RSS MiB |')
$md.Add('| --- | --- | --- | --- | --- |')
foreach ($k in $raw.Keys) {
    $n = 0
    foreach ($r in $raw[$k]) {
        $n++
        $wall = if ($r.PSObject.Properties['Seconds']) { '{0:N2}' -f $r.Seconds } else { '—' }
        $cpu = if ($r.PSObject.Properties['CpuSeconds']) { '{0:N2}' -f $r.CpuSeconds } else { '—' }
        $md.Add("| $k | $n | $wall | $cpu | $('{0:N0}' -f ($r.PeakRss / 1MB)) |")
    }
}
function Split-Sections([string[]] $Lines) {
    # '## ' headings and the lines under them, in order; the lines before the first heading under ''.
    $sections = [ordered]@{ '' = New-Object System.Collections.Generic.List[string] }
    $current = ''
    foreach ($line in $Lines) {
        if ($line -like '## *') { $current = $line; $sections[$current] = New-Object System.Collections.Generic.List[string] }
        $sections[$current].Add($line)
    }
    $sections
}

$lines = $md.ToArray()
if ($partial -and (Test-Path -LiteralPath $OutputPath)) {
    # A partial run replaces the sections it measured and keeps every other figure of the file (its header,
    # machine and raw runs included); a section new to the file goes before the raw runs.
    $old = Split-Sections (Get-Content -LiteralPath $OutputPath)
    $new = Split-Sections $lines
    $measured = @($new.Keys | Where-Object { $_ -and $_ -notin '## Machine', '## Raw runs' -and $new[$_].Count -gt 0 })
    $merged = New-Object System.Collections.Generic.List[string]
    foreach ($heading in $old.Keys) {
        if ($heading -eq '## Raw runs') { foreach ($h in $measured) { if (-not $old.Contains($h)) { $merged.AddRange($new[$h]) } } }
        $merged.AddRange($(if ($heading -in $measured) { $new[$heading] } else { $old[$heading] }) -as [string[]])
    }
    if (-not $old.Contains('## Raw runs')) { foreach ($h in $measured) { if (-not $old.Contains($h)) { $merged.AddRange($new[$h]) } } }
    $lines = $merged.ToArray()
}
[IO.File]::WriteAllLines($OutputPath, $lines)
Write-Host "Wrote $OutputPath"
