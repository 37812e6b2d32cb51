# One measured upload in this (fresh) pwsh: prints a JSON line with wall time, this process's CPU time during
# the upload, and its peak resident memory. Run by Invoke-Benchmark.ps1.
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $Url,
    [Parameter(Mandatory)] [string] $Token,
    [string] $Path,                       # a file, or with -Batch/-Many a text file listing one path per line
    [switch] $Many,
    [string] $Mode = 'Send',              # Send | Batch | Idle | Wait (idle for -Seconds after the warm-up)
    [double] $Seconds = 0,
    [int] $ChunkSize = 50MB,
    [int] $ThrottleLimit = 4,             # 0: Invoke-SynapseBatchUpload's default (it finds its own count)
    [string] $Progress = 'SilentlyContinue',
    [long] $MaxBytesPerSecond = 0          # 0: no cap
)
$ErrorActionPreference = 'Stop'
$files = if ($Many) { Get-Content -LiteralPath $Path } else { @($Path) }
function Get-PeakRss { [long](@((Get-Content /proc/self/status) -match '^VmHWM:')[0] -replace '\D', '') * 1KB }

Import-Module $ModuleManifest
$connection = Connect-Synapse -BaseUrl $Url -AccessToken $Token -PassThru
if ($Mode -eq 'Idle') {
    [pscustomobject]@{ PeakRss = Get-PeakRss } | ConvertTo-Json -Compress
    return
}

# Warm up (JIT, first connection), then let background tiering settle so it is not billed to the upload.
$warm = Join-Path ([IO.Path]::GetTempPath()) ("bench-warm-" + [guid]::NewGuid().ToString('N'))
[IO.File]::WriteAllBytes($warm, [byte[]]::new(256KB))
try { $null = Send-SynapseChunkedUpload -LiteralPath $warm -Connection $connection -ChunkSize 64KB -ProgressAction SilentlyContinue }
finally { Remove-Item -LiteralPath $warm }
Start-Sleep -Seconds 2

if ($Mode -eq 'Wait') {
    $me = [Diagnostics.Process]::GetCurrentProcess()
    $cpu = $me.TotalProcessorTime
    $clock = [Diagnostics.Stopwatch]::StartNew()
    Start-Sleep -Milliseconds ([int]($Seconds * 1000))
    $me.Refresh()
    [pscustomobject]@{ Seconds = $clock.Elapsed.TotalSeconds; CpuSeconds = ($me.TotalProcessorTime - $cpu).TotalSeconds; PeakRss = Get-PeakRss } | ConvertTo-Json -Compress
    return
}

$ProgressPreference = $Progress
$cap = @{}
if ($MaxBytesPerSecond -gt 0) { $cap.MaxBytesPerSecond = $MaxBytesPerSecond }
$me = [Diagnostics.Process]::GetCurrentProcess()
$cpu = $me.TotalProcessorTime
$clock = [Diagnostics.Stopwatch]::StartNew()
$results = if ($Mode -eq 'Send') {
    $files | Send-SynapseChunkedUpload -Connection $connection -ChunkSize $ChunkSize @cap
} else {
    if ($ThrottleLimit -gt 0) { $cap.ThrottleLimit = $ThrottleLimit }
    $files | Invoke-SynapseBatchUpload -Connection $connection -ChunkSize $ChunkSize @cap
}
$clock.Stop()
$me.Refresh()
[pscustomobject]@{
    Seconds    = $clock.Elapsed.TotalSeconds
    CpuSeconds = ($me.TotalProcessorTime - $cpu).TotalSeconds
    PeakRss    = Get-PeakRss
    Files      = @($results).Count
    Failed     = @($results | Where-Object { $_.PSObject.Properties['Succeeded'] -and -not $_.Succeeded }).Count
    Md5        = @($results)[0].Md5
    Bytes      = (@($results) | Measure-Object Length -Sum).Sum
    # What the results report: per file for Send, summed over the concurrent files for a batch.
    ResultBytesPerSecond = (@($results) | Measure-Object BytesPerSecond -Sum).Sum
} | ConvertTo-Json -Compress
