# Runs that overlap on one machine: separate pwsh processes and ForEach-Object -Parallel branches over the same files
# and the same state folder. Each file is uploaded by one call at a time; with -SkipUploaded exactly once.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # Every chunk answer takes 40 ms, so an upload of a few chunks is surely in flight when another run meets it.
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession overlap '--latency-ms', '40'
    $script:Slow = $Server
    $script:SlowConn = $Conn

    # One batch in a child pwsh; it waits for the go file so that all runs start together, and writes one line per
    # result (RESULT <json>), per failure (ERROR) and per file that waited for another run (WAITED).
    $script:BatchScript = Join-Path $TestDrive 'overlap-batch.ps1'
    Set-Content -LiteralPath $BatchScript -Value @'
$ErrorActionPreference = 'Stop'
Import-Module $env:SYNAPSEPS_MODULE
$c = Connect-Synapse -BaseUrl $env:OVERLAP_URL -AccessToken $env:OVERLAP_TOKEN -PassThru
$files = @(Get-ChildItem -LiteralPath $env:OVERLAP_DIR -File)
$null = New-Item -ItemType File -Path $env:OVERLAP_READY
while (-not (Test-Path -LiteralPath $env:OVERLAP_GO)) { Start-Sleep -Milliseconds 20 }
$files | Invoke-SynapseBatchUpload -Connection $c -ThrottleLimit 3 -ChunkSize 64KB -SkipUploaded:($env:OVERLAP_SKIP -eq '1') -Verbose -ErrorAction Continue 4>&1 2>&1 | ForEach-Object {
    if ($_ -is [System.Management.Automation.VerboseRecord]) { if ($_.Message -match 'waited .* for another run') { 'WAITED ' + $_.Message } }
    elseif ($_ -is [System.Management.Automation.ErrorRecord]) { 'ERROR ' + $_.FullyQualifiedErrorId + ' ' + $_ }
    else { 'RESULT ' + ($_ | Select-Object Name, Status, Skipped, Id, Md5 | ConvertTo-Json -Compress) }
}
'@

    # Starts -Count batches over the files of -Dir at the same moment; returns their processes.
    function Start-OverlappingBatches([int] $Count, [string] $Dir, [string] $State, [switch] $SkipUploaded) {
        $go = Join-Path $TestDrive ('go-' + [guid]::NewGuid().ToString('N'))
        $runs = foreach ($i in 1..$Count) {
            $ready = Join-Path $TestDrive ('ready-' + [guid]::NewGuid().ToString('N'))
            $p = Start-ChildPwsh -ScriptPath $BatchScript -Environment @{
                SYNAPSEPS_STATE_DIR = $State; OVERLAP_URL = $Slow.Url; OVERLAP_TOKEN = $Token; OVERLAP_DIR = $Dir
                OVERLAP_READY = $ready; OVERLAP_GO = $go; OVERLAP_SKIP = if ($SkipUploaded) { '1' } else { '' }
            }
            $p | Add-Member -NotePropertyName Ready -NotePropertyValue $ready -PassThru
        }
        Wait-Until -TimeoutSec 90 { @($runs | Where-Object { Test-Path -LiteralPath $_.Ready }).Count -eq $Count } | Should -BeTrue -Because 'every run got ready'
        $null = New-Item -ItemType File -Path $go
        $runs
    }

    # What a batch run wrote: its results, failures and waits.
    function Receive-BatchRun($Process) {
        $Process.WaitForExit(120000) | Should -BeTrue -Because 'the batch ends'
        $lines = @($Process.OutTask.Result -split "`r?`n" | Where-Object { $_ })
        [pscustomobject]@{
            Results = @($lines | Where-Object { $_ -like 'RESULT *' } | ForEach-Object { $_.Substring(7) | ConvertFrom-Json })
            Errors  = @($lines | Where-Object { $_ -like 'ERROR *' })
            Waited  = @($lines | Where-Object { $_ -like 'WAITED *' })
            StdErr  = $Process.ErrTask.Result
        }
    }

    function New-OverlapFiles([string] $Name, [int] $Count = 15) {
        $dir = Join-Path $TestDrive $Name
        foreach ($i in 1..$Count) { New-TestFile -Path (Join-Path $dir ("$Name-{0:00}.bin" -f $i)) -Length (3 * 64KB + $i) -Seed $i }
    }

    # What the slow server holds for each file: its uploads, complete or not.
    function Get-CopiesOf($Files) {
        $all = @(Get-ServerUpload -Server $Slow)
        foreach ($f in $Files) {
            [pscustomobject]@{ File = $f; Copies = @($all | Where-Object filename -EQ $f.Name) }
        }
    }
}
AfterAll {
    Complete-TestSession $Server
}

Describe 'Batches over the same files at once, with -SkipUploaded' {
    It '<Runs> processes sharing one state folder: one complete upload per file, nothing failed, nothing left incomplete' -ForEach @(
        @{ Runs = 2 }
        @{ Runs = 3 }
    ) {
        $files = @(New-OverlapFiles "skip$Runs")
        $processes = @(Start-OverlappingBatches -Count $Runs -Dir (Split-Path $files[0].FullName) -State (Join-Path $TestDrive "state-skip$Runs") -SkipUploaded)
        try { $batches = @($processes | ForEach-Object { Receive-BatchRun $_ }) }
        finally { $processes | ForEach-Object { Stop-ChildPwsh $_ } }

        foreach ($run in $batches) {
            $run.Errors | Should -HaveCount 0 -Because "no run fails a file ($($run.Errors -join '; ') $($run.StdErr))"
            $run.Results | Should -HaveCount $files.Count
        }
        @($batches.Waited).Count | Should -BeGreaterThan 0 -Because 'the runs did meet each other''s files'
        $uploaded = @($batches.Results | Where-Object { -not $_.Skipped })
        $uploaded | Should -HaveCount $files.Count -Because 'each file is uploaded by one run; the others skip it'
        foreach ($c in Get-CopiesOf $files) {
            $c.Copies | Should -HaveCount 1 -Because "$($c.File.Name) has one upload on the server, complete"
            $c.Copies[0].status | Should -Be 'complete'
            $c.Copies[0].md5OfStoredBytes | Should -Be (Get-Md5 $c.File.FullName)
            @($batches.Results | Where-Object Name -EQ $c.File.Name).Id | Should -Be (@($c.Copies[0].id) * $Runs) -Because 'a skipped result carries the other run''s id'
        }
    }

    It 'the first killed part-way: the second completes every file, and a rerun sends nothing' {
        $files = @(New-OverlapFiles 'killed')
        $state = Join-Path $TestDrive 'state-killed'
        $first, $second = Start-OverlappingBatches -Count 2 -Dir (Split-Path $files[0].FullName) -State $state -SkipUploaded
        try {
            (Wait-Until -TimeoutSec 60 -IntervalMs 20 { @((Get-CopiesOf $files).Copies | Where-Object status -EQ 'complete').Count -ge 4 }) | Should -BeTrue
            Stop-Process -Id $first.Id -Force
            $first.WaitForExit(10000) | Should -BeTrue
            $survivor = Receive-BatchRun $second
        }
        finally { Stop-ChildPwsh $first; Stop-ChildPwsh $second }

        $survivor.Errors | Should -HaveCount 0 -Because "the survivor fails nothing ($($survivor.Errors -join '; ') $($survivor.StdErr))"
        $survivor.Results | Should -HaveCount $files.Count
        foreach ($c in Get-CopiesOf $files) {
            $complete = @($c.Copies | Where-Object status -EQ 'complete')
            $complete | Should -HaveCount 1 -Because "$($c.File.Name) has one complete upload"
            $complete[0].md5OfStoredBytes | Should -Be (Get-Md5 $c.File.FullName)
            ($survivor.Results | Where-Object Name -EQ $c.File.Name).Id | Should -Be $complete[0].id
        }
        # A chunk in flight at the kill whose answer never came leaves a partial upload no journal names: one per lane at most.
        @((Get-CopiesOf $files).Copies | Where-Object status -NE 'complete').Count | Should -BeLessOrEqual 3

        Reset-ServerLog $Slow
        $env:SYNAPSEPS_STATE_DIR = $state
        try { $rerun = @($files | Invoke-SynapseBatchUpload -Connection $SlowConn -SkipUploaded) }
        finally { $env:SYNAPSEPS_STATE_DIR = Join-Path $TestDrive 'state' }
        @($rerun | Where-Object Skipped) | Should -HaveCount $files.Count
        @(Get-ServerRequests $Slow) | Should -HaveCount 0 -Because 'a rerun after both sends nothing'
    }
}

Describe 'Batches over the same files at once, without -SkipUploaded' {
    It 'each call makes its own upload of each file, complete and correct, never a shared one' {
        $files = @(New-OverlapFiles 'anew' 9)
        $processes = @(Start-OverlappingBatches -Count 2 -Dir (Split-Path $files[0].FullName) -State (Join-Path $TestDrive 'state-anew'))
        try { $batches = @($processes | ForEach-Object { Receive-BatchRun $_ }) }
        finally { $processes | ForEach-Object { Stop-ChildPwsh $_ } }

        foreach ($run in $batches) {
            $run.Errors | Should -HaveCount 0 -Because "no run fails a file ($($run.Errors -join '; ') $($run.StdErr))"
            $run.Results | Should -HaveCount $files.Count
            @($run.Results | Where-Object Skipped) | Should -HaveCount 0
        }
        @($batches.Waited).Count | Should -BeGreaterThan 0 -Because 'the runs did meet each other''s files'
        foreach ($c in Get-CopiesOf $files) {
            $c.Copies | Should -HaveCount 2 -Because "$($c.File.Name) was asked for twice"
            $c.Copies.status | Should -Be @('complete', 'complete')
            $c.Copies.md5OfStoredBytes | Should -Be (@(Get-Md5 $c.File.FullName) * 2)
            @($batches.Results | Where-Object Name -EQ $c.File.Name).Id | Sort-Object | Should -Be ($c.Copies.id | Sort-Object) -Because 'each run got its own upload'
        }
    }
}

Describe 'ForEach-Object -Parallel branches over the same files' {
    It 'two branches in one process: one complete upload per file, nothing failed' {
        $files = @(New-OverlapFiles 'parallel' 12)
        $dir = Split-Path $files[0].FullName
        $module = $env:SYNAPSEPS_MODULE
        $conn = $SlowConn
        $together = [System.Threading.Barrier]::new(2)
        $out = @(1..2 | ForEach-Object -ThrottleLimit 2 -Parallel {
                Import-Module $using:module
                $files = @(Get-ChildItem -LiteralPath $using:dir -File)
                $null = ($using:together).SignalAndWait(60000)
                $files | Invoke-SynapseBatchUpload -Connection $using:conn -ThrottleLimit 3 -ChunkSize 64KB -SkipUploaded -Verbose -ErrorAction Continue 4>&1 2>&1
            })

        $results = @($out | Where-Object { $_ -is [SynapsePS.BatchUploadResult] })
        $errors = @($out | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $waited = @($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match 'waited .* for another run' })
        $errors | Should -HaveCount 0
        $results | Should -HaveCount (2 * $files.Count)
        @($results | Where-Object Status -EQ 'Failed') | Should -HaveCount 0
        @($results | Where-Object { -not $_.Skipped }) | Should -HaveCount $files.Count
        $waited.Count | Should -BeGreaterThan 0 -Because 'the branches did meet each other''s files'
        foreach ($c in Get-CopiesOf $files) {
            $c.Copies | Should -HaveCount 1 -Because "$($c.File.Name) has one upload on the server"
            $c.Copies[0].status | Should -Be 'complete'
            $c.Copies[0].md5OfStoredBytes | Should -Be (Get-Md5 $c.File.FullName)
        }
    }
}

Describe 'Send-SynapseChunkedUpload meeting a file another runspace is uploading' {
    It 'waits with a progress bar that says so, and a stop ends the wait at once without touching the other upload' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'send-held.bin') -Length (5 * 64KB) -Seed 9
        $holder = New-ModuleRunspace { param($p, $c) Send-SynapseChunkedUpload -LiteralPath $p -Connection $c -ChunkSize 64KB -MaxBytesPerSecond 80KB } -ArgumentList $file.FullName, $SlowConn
        $waiter = New-ModuleRunspace { param($p, $c) Send-SynapseChunkedUpload -LiteralPath $p -Connection $c -ChunkSize 64KB } -ArgumentList $file.FullName, $SlowConn -ShowProgress
        try {
            $holding = $holder.BeginInvoke()
            (Wait-Until -TimeoutSec 30 -IntervalMs 20 { @(Get-ServerUpload -Server $Slow | Where-Object filename -EQ $file.Name).Count -gt 0 }) | Should -BeTrue
            $null = $waiter.BeginInvoke()
            $bars = [Collections.Generic.List[Management.Automation.ProgressRecord]]::new()
            # ReadAll takes what has come so far without enumerating a collection that another thread writes to.
            (Wait-Until -TimeoutSec 30 -IntervalMs 20 {
                $bars.AddRange($waiter.Streams.Progress.ReadAll())
                @($bars | Where-Object Activity -Match "^Waiting for another upload of $([regex]::Escape($file.Name)) \(\d+ s\)$").Count -gt 0 }) |
                Should -BeTrue -Because 'the waiting upload says why it is idle'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $waiter.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            $held = $holder.EndInvoke($holding)
        }
        finally { Remove-ModuleRunspace $waiter; Remove-ModuleRunspace $holder }

        $copies = @(Get-ServerUpload -Server $Slow | Where-Object filename -EQ $file.Name)
        $copies | Should -HaveCount 1 -Because 'the stopped call sent nothing'
        $copies[0].id | Should -Be $held[0].Id
        $copies[0].status | Should -Be 'complete'
        $copies[0].md5OfStoredBytes | Should -Be (Get-Md5 $file.FullName)
    }
}

Describe 'A claim held by another process' {
    It 'blocks only its file while the process lives, and nothing once it is killed' {
        $files = @(New-OverlapFiles 'held' 3)
        $held = $files[1]
        $ready = Join-Path $TestDrive 'held-ready'
        # The holder claims one file as a batch would, through the engine's own claims, and sleeps.
        $holderScript = Join-Path $TestDrive 'hold-claim.ps1'
        Set-Content -LiteralPath $holderScript -Value @'
Import-Module $env:SYNAPSEPS_MODULE
$null = Test-SynapseUploadFile -LiteralPath $env:HOLD_FILE
$core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SynapsePS.Core' }
$claims = $core.GetType('SynapsePS.Resume.UploadClaims', $true)
$claim = $claims.GetMethod('TryClaim').Invoke($claims.GetMethod('Open').Invoke($null, @($env:SYNAPSEPS_STATE_DIR)), @([uri]$env:HOLD_URL, $env:HOLD_FILE))
if ($null -eq $claim) { throw 'the file was already claimed' }
$null = New-Item -ItemType File -Path $env:HOLD_READY
Start-Sleep -Seconds 300
'@
        $holder = Start-ChildPwsh -ScriptPath $holderScript -Environment @{
            SYNAPSEPS_STATE_DIR = $env:SYNAPSEPS_STATE_DIR; HOLD_URL = $Slow.Url; HOLD_FILE = $held.FullName; HOLD_READY = $ready
        }
        $batch = New-ModuleRunspace { param($f, $c) $f | Invoke-SynapseBatchUpload -Connection $c -ChunkSize 64KB -SkipUploaded } -ArgumentList $files, $SlowConn
        try {
            (Wait-Until -TimeoutSec 60 { Test-Path -LiteralPath $ready }) | Should -BeTrue -Because "the holder took the claim ($($holder.HasExited))"
            $running = $batch.BeginInvoke()
            (Wait-Until -TimeoutSec 30 -IntervalMs 50 { @((Get-CopiesOf $files).Copies | Where-Object status -EQ 'complete').Count -ge 2 }) | Should -BeTrue
            Start-Sleep -Milliseconds 500
            $whileHeld = Get-CopiesOf $files
            Stop-Process -Id $holder.Id -Force
            $results = @($batch.EndInvoke($running))
        }
        finally { Stop-ChildPwsh $holder; Remove-ModuleRunspace $batch }

        ($whileHeld | Where-Object { $_.File.Name -ne $held.Name }).Copies.status | Should -Be @('complete', 'complete') -Because 'the other files went on'
        ($whileHeld | Where-Object { $_.File.Name -eq $held.Name }).Copies | Should -HaveCount 0 -Because 'the held file waited'
        $results | Should -HaveCount 3
        @($results | Where-Object Status -EQ 'Failed') | Should -HaveCount 0
        $results[-1].Name | Should -Be $held.Name -Because 'the held file settled last, once its holder was gone'
        $copy = @((Get-CopiesOf $held).Copies)
        $copy | Should -HaveCount 1
        $copy[0].status | Should -Be 'complete'
        $copy[0].md5OfStoredBytes | Should -Be (Get-Md5 $held.FullName)
    }
}
