# One measured batch of a folder in this (fresh) pwsh, at -ThrottleLimit N or (0) the default: prints a JSON line
# with wall time, the summary's counts and concurrency, and every change of the count with its time and reason
# (from -Verbose). Run by Measure-Wan.ps1.
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $Url,
    [Parameter(Mandatory)] [string] $Token,
    [Parameter(Mandatory)] [string] $Directory,
    [int] $ThrottleLimit = 0               # 0: the default, the batch finds its own count
)
$ErrorActionPreference = 'Stop'
Import-Module $ModuleManifest
$connection = Connect-Synapse -BaseUrl $Url -AccessToken $Token -PassThru
$ProgressPreference = 'SilentlyContinue'
$limit = if ($ThrottleLimit -gt 0) { @{ ThrottleLimit = $ThrottleLimit } } else { @{} }
$changes = [Collections.Generic.List[object]]::new()
$clock = [Diagnostics.Stopwatch]::StartNew()
$summary = Invoke-SynapseBatchUpload -LiteralPath $Directory -Recurse -Connection $connection -Summary -Verbose @limit 4>&1 |
    ForEach-Object {
        if ($_ -is [Management.Automation.VerboseRecord]) {
            if ($_.Message -match '^Uploads at once: (\d+) → (\d+): (.+)\.$') {
                $changes.Add([pscustomobject]@{ At = [Math]::Round($clock.Elapsed.TotalSeconds, 3); From = [int]$Matches[1]; To = [int]$Matches[2]; Reason = $Matches[3] })
            }
        }
        else { $_ }
    }
$clock.Stop()
[pscustomobject]@{
    Seconds    = $clock.Elapsed.TotalSeconds
    Succeeded  = $summary.Successful
    Failed     = $summary.Failed.Count
    Highest    = $summary.HighestConcurrency
    Final      = $summary.FinalConcurrency
    Changes    = $changes.ToArray()
} | ConvertTo-Json -Compress -Depth 4
