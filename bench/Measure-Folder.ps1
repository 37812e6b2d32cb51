# One measured batch over one folder in this (fresh) pwsh, keeping nothing per file: -Recurse (the engine walks)
# or piped from Get-ChildItem, or Get-ChildItem alone. Prints a JSON line with wall time, CPU, peak resident memory,
# the counts of results, the time to the first request the server saw, and (for -Recurse) the time until the
# overall bar first showed the total. Run by Measure-Folders.ps1.
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $Url,
    [Parameter(Mandatory)] [string] $Token,
    [Parameter(Mandatory)] [string] $Directory,
    [ValidateSet('Recurse', 'Piped', 'EnumerateOnly')] [string] $Mode = 'Recurse',
    [int] $ThrottleLimit = 4,
    [switch] $SkipUploaded,
    [switch] $Summary                     # -Recurse with -Summary: one object at the end instead of a result per file
)
$ErrorActionPreference = 'Stop'
function Get-PeakRss { [long](@((Get-Content /proc/self/status) -match '^VmHWM:')[0] -replace '\D', '') * 1KB }

Import-Module $ModuleManifest
Import-Module (Join-Path (Split-Path $PSScriptRoot -Parent) 'tools/DevServer.psm1')
$server = [pscustomobject]@{ Url = $Url }
$connection = Connect-Synapse -BaseUrl $Url -AccessToken $Token -PassThru

# The batch runs in a runspace of this process with progress on (records only: no host draws them), so that this
# thread can watch for the first request and for the total in the overall bar while it runs.
$state = [initialsessionstate]::CreateDefault()
$state.ImportPSModule([string[]] @($ModuleManifest))
$runspace = [runspacefactory]::CreateRunspace($state)
$runspace.Open()
$runspace.SessionStateProxy.SetVariable('ProgressPreference', 'Continue')
$ps = [PowerShell]::Create()
$ps.Runspace = $runspace
$null = $ps.AddScript({
    param($Directory, $Connection, $ThrottleLimit, $SkipUploaded, $Mode, $Summary)
    $counts = @{ Succeeded = 0; Skipped = 0; Failed = 0 }
    switch ($Mode) {
        'EnumerateOnly' { Get-ChildItem -LiteralPath $Directory -Recurse -File | ForEach-Object { $counts.Succeeded++ } }
        'Piped' {
            Get-ChildItem -LiteralPath $Directory -Recurse -File |
                Invoke-SynapseBatchUpload -Connection $Connection -ThrottleLimit $ThrottleLimit -SkipUploaded:$SkipUploaded -ChunkSize 64KB |
                ForEach-Object { $counts[$_.Status]++ }
        }
        'Recurse' {
            if ($Summary) {
                $s = Invoke-SynapseBatchUpload -LiteralPath $Directory -Recurse -Connection $Connection -ThrottleLimit $ThrottleLimit -SkipUploaded:$SkipUploaded -ChunkSize 64KB -Summary
                return [pscustomobject]@{ Succeeded = $s.Successful; Skipped = $s.Skipped; Failed = @($s.Failed).Count }
            }
            Invoke-SynapseBatchUpload -LiteralPath $Directory -Recurse -Connection $Connection -ThrottleLimit $ThrottleLimit -SkipUploaded:$SkipUploaded -ChunkSize 64KB |
                ForEach-Object { $counts[$_.Status]++ }
        }
    }
    [pscustomobject]$counts
}).AddArgument($Directory).AddArgument($connection).AddArgument($ThrottleLimit).AddArgument([bool]$SkipUploaded).AddArgument($Mode).AddArgument([bool]$Summary)

$null = Invoke-SynapseDevApi -Server $server -Path reset-log -Method POST
$me = [Diagnostics.Process]::GetCurrentProcess()
$cpu = $me.TotalProcessorTime
$started = [DateTimeOffset]::UtcNow
$clock = [Diagnostics.Stopwatch]::StartNew()
$async = $ps.BeginInvoke()
$firstRequest = $null
$totalKnown = $null
while (-not $async.IsCompleted) {
    if ($null -eq $totalKnown -and $Mode -eq 'Recurse') {
        $progress = $ps.Streams.Progress
        if ($progress.Count -gt 0 -and $progress[$progress.Count - 1].Activity -match ' of [\d,.]+ files, ') { $totalKnown = $clock.Elapsed.TotalSeconds }
    }
    # A rerun sends nothing (the requests are counted afterwards): polling the server all along would only take CPU from it.
    if ($null -eq $firstRequest -and $Mode -ne 'EnumerateOnly' -and -not $SkipUploaded) {
        $first = @(foreach ($r in (Invoke-SynapseDevApi -Server $server -Path requests)) { if ($null -ne $r) { $r } }) | Select-Object -First 1
        if ($first) { $firstRequest = ([DateTimeOffset]$first.receivedAt - $started).TotalSeconds }
    }
    Start-Sleep -Milliseconds 10
}
$counts = $ps.EndInvoke($async) | Select-Object -Last 1
$clock.Stop()
$me.Refresh()
[pscustomobject]@{
    Seconds              = $clock.Elapsed.TotalSeconds
    CpuSeconds           = ($me.TotalProcessorTime - $cpu).TotalSeconds
    PeakRss              = Get-PeakRss
    Succeeded            = $counts.Succeeded
    Skipped              = $counts.Skipped
    Failed               = $counts.Failed
    FirstRequestSeconds  = $firstRequest
    TotalKnownSeconds    = $totalKnown
} | ConvertTo-Json -Compress
