<#
.SYNOPSIS
    Measures SynapsePS against md5sum, the Python SDK's way of uploading (bench/ref_client.py) and curl, on this
    machine and the bundled dev server, section by section; each section's runs go to bench/results/<Section>.json,
    and docs/performance.md is then rewritten from those files by Write-PerformanceReport.ps1.
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Bench
.EXAMPLE
    ./bench/Invoke-Benchmark.ps1 -ModuleManifest ./out/SynapsePS/SynapsePS.psd1 -Section Multipart
    Only the multipart readers; the other sections' data files, and so their figures in the report, stay as they are.
.EXAMPLE
    ./bench/Write-PerformanceReport.ps1
    Rewrites docs/performance.md from bench/results without measuring anything.
#>
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    # The sections to measure (default: all of them).
    [ValidateSet('Single', 'Intake', 'Multipart', 'Progress', 'Memory', 'Batch', 'Cap')]
    [string[]] $Section = @('Single', 'Intake', 'Multipart', 'Progress', 'Memory', 'Batch', 'Cap'),
    [int] $Runs = 3,
    [int] $SizeMiB = 1024,
    [int] $LargeSizeMiB = 4096,
    [int] $BatchFiles = 500,
    [int] $CapSizeMiB = 100,
    [double[]] $CapMiBPerSecond = @(2, 10, 50),
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
$refClient = Join-Path $PSScriptRoot 'ref_client.py'

# ---- prerequisites, checked before anything is measured: nothing is installed at run time
if ('Single' -in $Section) {
    & /usr/bin/python3 -c 'import requests' 2>$null
    if ($LASTEXITCODE -ne 0) { throw 'The Python baseline (bench/ref_client.py) needs Debian''s python3-requests: apt-get install -y python3-requests' }
}
if ((@('Single', 'Intake', 'Multipart') | Where-Object { $_ -in $Section }) -and -not (Test-Path /usr/bin/time)) { throw 'GNU time is needed: apt-get install -y time' }
if ((@('Intake', 'Multipart') | Where-Object { $_ -in $Section }) -and -not (Get-Command curl -ErrorAction Ignore)) { throw 'The intake runs need curl: apt-get install -y curl' }

$work = Join-Path ([IO.Path]::GetTempPath()) ('synapse-bench-' + [guid]::NewGuid().ToString('N'))
# The server stores on tmpfs where there is one: the benchmark measures the client, not this VM's ext4 page cache.
$shm = if (Test-Path /dev/shm) { '/dev/shm' } else { $work }
$storage = Join-Path $shm ('synapse-bench-store-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $work, $storage
$env:SYNAPSEPS_STATE_DIR = Join-Path $work 'state'
$token = 'bench'
$parameters = [ordered]@{ Runs = $Runs; SizeMiB = $SizeMiB; LargeSizeMiB = $LargeSizeMiB; BatchFiles = $BatchFiles; CapSizeMiB = $CapSizeMiB; CapMiBPerSecond = $CapMiBPerSecond }

function Clear-Storage([string] $Path = $storage) { Get-ChildItem -LiteralPath $Path -ErrorAction Ignore | Remove-Item -Recurse -Force -ErrorAction Ignore }

function Invoke-Timed([string] $Exe, [string[]] $Arguments) {
    # Wall and CPU of a native command through GNU time: '%e %U %S %M' (seconds, user, system, peak KiB).
    $timeFile = Join-Path $work 'time.txt'
    $out = & /usr/bin/time -o $timeFile -f '%e %U %S %M' $Exe @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$Exe failed: $out" }
    $t = (Get-Content $timeFile | Select-Object -Last 1) -split ' '
    [pscustomobject]@{ Seconds = [double]$t[0]; CpuSeconds = [double]$t[1] + [double]$t[2]; PeakRss = [long]$t[3] * 1KB; Output = ($out | Out-String) }
}

function Invoke-Measured($Server, [hashtable] $Arguments) {
    # One upload by SynapsePS in a fresh pwsh (Measure-Upload.ps1); its JSON line as an object.
    $list = @('-File', (Join-Path $PSScriptRoot 'Measure-Upload.ps1'), '-ModuleManifest', $ModuleManifest, '-Url', $Server.Url, '-Token', $token)
    foreach ($k in $Arguments.Keys) {
        if ($Arguments[$k] -is [bool]) { if ($Arguments[$k]) { $list += "-$k" } }
        else { $list += "-$k", [string]$Arguments[$k] }
    }
    $out = Invoke-ChildPwsh $list 2>&1
    $json = $out | Where-Object { "$_" -like '{*' } | Select-Object -Last 1
    if (-not $json) { throw "A measured upload failed: $($out | Out-String)" }
    $json | ConvertFrom-Json
}

function Measure-ServerCpu($Server, [scriptblock] $Run) {
    # Runs $Run and adds the dev server's CPU seconds during it (ServerCpuSeconds) to the run it returns.
    $Server.Process.Refresh(); $before = $Server.Process.TotalProcessorTime
    $result = & $Run
    $Server.Process.Refresh()
    $result | Add-Member -NotePropertyName ServerCpuSeconds -NotePropertyValue ($Server.Process.TotalProcessorTime - $before).TotalSeconds -PassThru
}

function New-RandomFile([string] $Path, [long] $Bytes) {
    & head -c $Bytes /dev/urandom > $Path
    & cat $Path > /dev/null   # warm the page cache so every contender reads from memory
}

$script:dataFile = $null
function Get-DataFile {
    # The SizeMiB file of random bytes the single-file sections share, made once; returns path and MD5.
    if (-not $script:dataFile) {
        $path = Join-Path $work 'data-1.bin'
        New-RandomFile $path ([long]$SizeMiB * 1MB)
        $script:dataFile = [pscustomobject]@{ Path = $path; Md5 = ((& md5sum $path) -split ' ')[0]; Length = (Get-Item $path).Length }
    }
    $script:dataFile
}

$script:intake = $null
function Get-IntakeScript {
    # curl sending the data file as the SDK's 50 MiB multipart chunks in sequence; the parts are cut beforehand
    # (on tmpfs), so only the sending is timed. Returns the arguments for Invoke-Timed bash, without the URL.
    if (-not $script:intake) {
        $parts = Join-Path $shm ('synapse-bench-parts-' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $parts
        & split -b 50M -d -a 4 (Get-DataFile).Path (Join-Path $parts 'p')
        $sh = Join-Path $work 'intake.sh'
        Set-Content -LiteralPath $sh -Value @'
#!/bin/bash
set -e
base="$1"; tok="$2"; dir="$3"; total="$4"; off=0; url="${base}chunked_upload/"
for part in "$dir"/p*; do
  len=$(stat -c %s "$part"); end=$(( off + len - 1 ))
  resp=$(curl -sS -f -X PUT -H "Synapse-Access-Token: Token $tok" -H "Content-Range: bytes $off-$end/$total" \
        -F filename=intake.bin -F "file=@$part;filename=chunk;type=application/octet-stream" "$url")
  url=$(printf '%s' "$resp" | grep -o '"url":"[^"]*"' | cut -d'"' -f4)
  off=$(( end + 1 ))
done
'@
        $script:intake = [pscustomobject]@{ Script = $sh; Parts = $parts }
    }
    $script:intake
}

function Invoke-Intake($Server) {
    $i = Get-IntakeScript
    Invoke-Timed bash @($i.Script, $Server.Url, $token, $i.Parts, (Get-DataFile).Length)
}

function Send-Checked($Server, [hashtable] $Arguments) {
    # A SynapsePS upload of the data file, stopped on a wrong MD5.
    $s = Invoke-Measured $Server (@{ Path = (Get-DataFile).Path; Mode = 'Send' } + $Arguments)
    if ($s.Md5 -ne (Get-DataFile).Md5) { throw "SynapsePS uploaded a wrong MD5 ($($s.Md5), expected $((Get-DataFile).Md5))." }
    $s
}

# ---- the sections: each measures into $data (Add-BenchRun) against $server, the large-buffer dev server
$sections = [ordered]@{
    Single = {
        $file = Get-DataFile
        for ($i = 1; $i -le $Runs; $i++) {
            Write-Host "Run $i/${Runs}: md5sum, SynapsePS, ref_client.py on $SizeMiB MiB..."
            Add-BenchRun $data 'md5sum' (Invoke-Timed md5sum @($file.Path))
            Add-BenchRun $data 'synapseps' (Send-Checked $server @{}); Clear-Storage
            $r = Invoke-Timed /usr/bin/python3 @($refClient, $server.Url, $token, $file.Path)
            if ($r.Output -notmatch $file.Md5) { throw "ref_client.py did not report the file's MD5: $($r.Output)" }
            Add-BenchRun $data 'ref_client' $r; Clear-Storage
        }
    }
    Intake = {
        for ($i = 1; $i -le $Runs; $i++) {
            Write-Host "Run $i/${Runs}: the server's intake with curl..."
            Add-BenchRun $data 'curl' (Invoke-Intake $server); Clear-Storage
        }
    }
    Multipart = {
        # The same uploads into a server reading multipart bodies with its own reader and with the framework's.
        $readers = [ordered]@{}
        try {
            foreach ($reader in 'custom', 'framework') {
                $readers[$reader] = Start-SynapseDevServer -StorageDirectory (Join-Path $storage "multipart-$reader") -ArgumentList '--token', $token, '--large-buffer-transport', '--multipart-reader', $reader
            }
            foreach ($reader in $readers.Keys) {
                # One unrecorded intake each first, so neither server is measured while it is still compiling.
                Write-Host "Warming up the $reader multipart reader..."
                $null = Invoke-Intake $readers[$reader]; Clear-Storage $readers[$reader].StorageDirectory
            }
            for ($i = 1; $i -le $Runs; $i++) {
                foreach ($reader in $readers.Keys) {
                    $s = $readers[$reader]
                    Write-Host "Run $i/${Runs}: $reader multipart reader, curl and SynapsePS on $SizeMiB MiB..."
                    Add-BenchRun $data "$reader-curl" (Measure-ServerCpu $s { Invoke-Intake $s }); Clear-Storage $s.StorageDirectory
                    Add-BenchRun $data "$reader-synapseps" (Measure-ServerCpu $s { Send-Checked $s @{} }); Clear-Storage $s.StorageDirectory
                }
            }
        }
        finally { foreach ($s in $readers.Values) { $s | Stop-SynapseDevServer } }
    }
    Progress = {
        for ($i = 1; $i -le $Runs; $i++) {
            Write-Host "Run $i/${Runs}: progress shown vs silent..."
            Add-BenchRun $data 'progress-on' (Send-Checked $server @{ Progress = 'Continue' }); Clear-Storage
            Add-BenchRun $data 'progress-off' (Send-Checked $server @{ Progress = 'SilentlyContinue' }); Clear-Storage
        }
    }
    Memory = {
        $large = Join-Path $work 'large.bin'
        & truncate -s "$($LargeSizeMiB)M" $large   # sparse: memory is about buffers, not the data
        for ($i = 1; $i -le $Runs; $i++) {
            Write-Host "Run $i/${Runs}: peak memory (idle, $SizeMiB MiB, $LargeSizeMiB MiB)..."
            Add-BenchRun $data 'idle' (Invoke-Measured $server @{ Mode = 'Idle' })
            Add-BenchRun $data 'mem-small' (Send-Checked $server @{}); Clear-Storage
            Add-BenchRun $data 'mem-large' (Invoke-Measured $server @{ Path = $large; Mode = 'Send' }); Clear-Storage
        }
        Remove-Item -LiteralPath $large
    }
    Batch = {
        $batchDir = Join-Path $work 'batch'
        $null = New-Item -ItemType Directory -Path $batchDir
        $block = [byte[]]::new(1MB)
        $rng = [Random]::new(7)
        $batch = foreach ($n in 1..$BatchFiles) { $rng.NextBytes($block); $p = Join-Path $batchDir ("f{0:0000}.bin" -f $n); [IO.File]::WriteAllBytes($p, $block); $p }
        $list = Join-Path $work 'batch.txt'
        Set-Content -LiteralPath $list -Value $batch
        $seqArgs = @{ Path = $list; Many = $true; Mode = 'Send' }
        $parArgs = @{ Path = $list; Many = $true; Mode = 'Batch'; ThrottleLimit = 4 }
        # The old default of 3 at once beside the default that finds its own count (ThrottleLimit 0).
        $threeArgs = @{ Path = $list; Many = $true; Mode = 'Batch'; ThrottleLimit = 3 }
        $defaultArgs = @{ Path = $list; Many = $true; Mode = 'Batch'; ThrottleLimit = 0 }
        for ($i = 1; $i -le $Runs; $i++) {
            Write-Host "Run $i/${Runs}: $BatchFiles x 1 MiB, one after another vs -ThrottleLimit 4, 3 and the default..."
            $seq = Invoke-Measured $server $seqArgs; Add-BenchRun $data 'batch-seq' $seq; Clear-Storage
            $par = Invoke-Measured $server $parArgs; Add-BenchRun $data 'batch-par' $par; Clear-Storage
            $three = Invoke-Measured $server $threeArgs; Add-BenchRun $data 'batch-3' $three; Clear-Storage
            $default = Invoke-Measured $server $defaultArgs; Add-BenchRun $data 'batch-default' $default; Clear-Storage
            foreach ($b in $par, $three, $default) {
                if ($seq.Files -ne $BatchFiles -or $b.Files -ne $BatchFiles -or $b.Failed -ne 0) { throw "A batch run lost files: $($seq.Files) / $($b.Files) ($($b.Failed) failed)." }
            }
        }
        # A server 20 ms away (each chunk answer delayed), as a real backend across a network is.
        $null = Invoke-SynapseDevApi -Server $server -Path faults -Method POST -Body @{ latencyMs = 20 }
        try {
            for ($i = 1; $i -le $Runs; $i++) {
                Write-Host "Run $i/${Runs}: the same batch with 20 ms server latency..."
                Add-BenchRun $data 'batch-seq-20ms' (Invoke-Measured $server $seqArgs); Clear-Storage
                Add-BenchRun $data 'batch-par-20ms' (Invoke-Measured $server $parArgs); Clear-Storage
            }
        }
        finally { $null = Invoke-SynapseDevApi -Server $server -Path faults -Method POST -Body @{} }
    }
    Cap = {
        # -MaxBytesPerSecond: one file of CapSizeMiB and a batch of 4 quarter files at once, at each cap, against
        # the same bytes uncapped (for the CPU comparison).
        $capFile = Join-Path $work 'cap.bin'
        New-RandomFile $capFile ([long]$CapSizeMiB * 1MB)
        $capList = Join-Path $work 'cap-batch.txt'
        $quarters = foreach ($n in 1..4) { $q = Join-Path $work "cap-$n.bin"; New-RandomFile $q ([long]$CapSizeMiB * 1MB / 4); $q }
        Set-Content -LiteralPath $capList -Value $quarters
        Write-Host "Cap: $CapSizeMiB MiB uncapped, one file and a batch of 4..."
        Add-BenchRun $data 'cap-none-send' (Invoke-Measured $server @{ Path = $capFile; Mode = 'Send' }); Clear-Storage
        Add-BenchRun $data 'cap-none-batch' (Invoke-Measured $server @{ Path = $capList; Many = $true; Mode = 'Batch'; ThrottleLimit = 4 }); Clear-Storage
        # What a pwsh with the module costs doing nothing for as long as the slowest capped upload takes.
        $idleSeconds = [Math]::Ceiling($CapSizeMiB / ($CapMiBPerSecond | Measure-Object -Minimum).Minimum)
        Write-Host "Cap: an idle pwsh for $idleSeconds s..."
        Add-BenchRun $data 'cap-idle' (Invoke-Measured $server @{ Mode = 'Wait'; Seconds = $idleSeconds })
        foreach ($rate in $CapMiBPerSecond) {
            $bytesPerSecond = [long]($rate * 1MB)
            Write-Host "Cap: $CapSizeMiB MiB at $rate MiB/s, one file and a batch of 4 ($([Math]::Round(2 * $CapSizeMiB / $rate)) s)..."
            Add-BenchRun $data "cap-$rate-send" (Invoke-Measured $server @{ Path = $capFile; Mode = 'Send'; MaxBytesPerSecond = $bytesPerSecond }); Clear-Storage
            $b = Invoke-Measured $server @{ Path = $capList; Many = $true; Mode = 'Batch'; ThrottleLimit = 4; MaxBytesPerSecond = $bytesPerSecond }; Clear-Storage
            if ($b.Files -ne 4 -or $b.Failed -ne 0) { throw "A capped batch lost files: $($b.Files) ($($b.Failed) failed)." }
            Add-BenchRun $data "cap-$rate-batch" $b
        }
    }
}

# Throughput runs measure the client: the server receives into large blocks so that it is not the bottleneck.
$server = Start-SynapseDevServer -ArgumentList '--token', $token, '--large-buffer-transport' -StorageDirectory $storage
try {
    foreach ($name in $sections.Keys | Where-Object { $_ -in $Section }) {
        $command = "bench/Invoke-Benchmark.ps1 -ModuleManifest out/SynapsePS/SynapsePS.psd1 -Section $name " + (($parameters.Keys | ForEach-Object { "-$_ $($parameters[$_] -join ',')" }) -join ' ')
        $data = New-BenchSection -Name $name -Command $command -Parameters $parameters
        & $sections[$name]
        Save-BenchSection $data $ResultsPath
    }
}
finally {
    $server | Stop-SynapseDevServer
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
    if ($script:intake) { Remove-Item -LiteralPath $script:intake.Parts -Recurse -Force -ErrorAction Ignore }
    Remove-Item Env:SYNAPSEPS_STATE_DIR -ErrorAction Ignore
}

& (Join-Path $PSScriptRoot 'Write-PerformanceReport.ps1') -ResultsPath $ResultsPath -OutputPath $OutputPath
