# One measured batch in this (fresh) pwsh, keeping nothing per file: prints a JSON line with wall time, CPU,
# peak resident memory and the counts of results. Run by Measure-ManyFiles.ps1.
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $Url,
    [Parameter(Mandatory)] [string] $Token,
    [Parameter(Mandatory)] [string] $Directory,
    [int] $ThrottleLimit = 4,
    [switch] $SkipUploaded,
    [switch] $EnumerateOnly               # only Get-ChildItem, for PowerShell's own share of the time and memory
)
$ErrorActionPreference = 'Stop'
function Get-PeakRss { [long](@((Get-Content /proc/self/status) -match '^VmHWM:')[0] -replace '\D', '') * 1KB }

Import-Module $ModuleManifest
$connection = Connect-Synapse -BaseUrl $Url -AccessToken $Token -PassThru
$ProgressPreference = 'SilentlyContinue'
$me = [Diagnostics.Process]::GetCurrentProcess()
$cpu = $me.TotalProcessorTime
$counts = @{ Succeeded = 0; Skipped = 0; Failed = 0 }
$clock = [Diagnostics.Stopwatch]::StartNew()
if ($EnumerateOnly) {
    Get-ChildItem -LiteralPath $Directory -Recurse -File | ForEach-Object { $counts.Succeeded++ }
}
else {
    Get-ChildItem -LiteralPath $Directory -Recurse -File |
        Invoke-SynapseBatchUpload -Connection $connection -ThrottleLimit $ThrottleLimit -SkipUploaded:$SkipUploaded -ChunkSize 64KB |
        ForEach-Object { $counts[$_.Status]++ }
}
$clock.Stop()
$me.Refresh()
[pscustomobject]@{
    Seconds    = $clock.Elapsed.TotalSeconds
    CpuSeconds = ($me.TotalProcessorTime - $cpu).TotalSeconds
    PeakRss    = Get-PeakRss
    Succeeded  = $counts.Succeeded
    Skipped    = $counts.Skipped
    Failed     = $counts.Failed
} | ConvertTo-Json -Compress
