# Riding out the night, as a runbook sees it: a few smoke tests of the cmdlets against one real dev server process,
# killed and restarted while they run. What the engine does in an outage (probes, limits, a server that never
# answered, a shared Retry-After, cancelling a held call) is tested on a fake clock in
# tests/SynapsePS.Core.Tests/OutageTests.cs; here is what only the cmdlets show: warnings, status lines, progress,
# the call's one terminating error, the failure budget.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # --persist: a restarted server holds the same uploads, as a real server's database would.
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession outage @('--persist')

    function New-Batch([string] $Name, [int] $Count, [long] $Length) {
        $dir = Join-Path $TestDrive $Name
        # Named after the batch: every test here uploads to the file's one server.
        $null = 1..$Count | ForEach-Object { New-TestFile -Path (Join-Path $dir ("{0}-{1:00}.bin" -f $Name, $_)) -Length ($Length + $_) -Seed $_ }
        $dir
    }

    # The uploads under way with at least $MinOffset bytes held.
    function Get-UploadsUnderWay($Server, [long] $MinOffset) {
        @(Get-ServerUpload -Server $Server | Where-Object { $_.status -ne 'complete' -and $_.offset -ge $MinOffset })
    }

    function Get-CompletedOn($Server, [string] $Name) { @(Get-ServerUpload -Server $Server | Where-Object { $_.filename -eq $Name -and $_.status -eq 'complete' }) }

    # Runs -Script in a module runspace and returns it running; the caller ends it with Complete-Run.
    function Start-Run([scriptblock] $Script, [object[]] $ArgumentList, [switch] $ShowProgress) {
        $ps = New-ModuleRunspace $Script -ArgumentList $ArgumentList -ShowProgress:$ShowProgress
        [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
    }

    function Complete-Run($Run, [double] $TimeoutSec = 60) {
        try {
            if (-not $Run.Handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds($TimeoutSec))) { throw "The run did not end within $TimeoutSec s." }
            $output = @($Run.PowerShell.EndInvoke($Run.Handle))
            $s = $Run.PowerShell.Streams
            [pscustomobject]@{
                Output = $output; Errors = @($s.Error); Warnings = @($s.Warning)
                Information = @($s.Information); Progress = @($s.Progress)
            }
        }
        finally { Remove-ModuleRunspace $Run.PowerShell }
    }

    $script:BatchScript = {
        param($dir, $c, [string[]] $more)
        $extra = @{}
        for ($i = 0; $i -lt $more.Count; $i += 2) { $extra[$more[$i]] = $more[$i + 1] }
        Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $c -ChunkSize 64KB -MaxRetries 1 -RetryDelaySec 0.05 @extra
    }
}
AfterAll { Complete-TestSession $Server }

Describe 'The server process stops and comes back' {
    BeforeEach { Set-ServerFaults $Server @{ latencyMs = 40 } }
    AfterEach { Set-ServerFaults $Server @{} }

    It 'pauses a batch: every file completes, none fails, one upload per file, and the held uploads continue their own ids' {
        $dir = New-Batch 'restart-batch' 8 (6 * 64KB)
        $run = Start-Run $BatchScript -ArgumentList $dir, $Conn, @('ThrottleLimit', 4, 'OutageTimeoutSec', 60, 'InformationAction', 'Continue') -ShowProgress
        $script:inFlight = $null
        try {
            # A second chunk went out only after the first one's answer gave the call the upload's url.
            Wait-Until -TimeoutSec 30 { ($script:inFlight = Get-UploadsUnderWay $Server 128KB).Count -ge 2 } | Should -BeTrue
            # Far longer than one retry at 0.05 s: without the pause, the files in flight would fail.
            Restart-SynapseDevServer $Server -DownSec 1
        }
        finally { $r = Complete-Run $run }

        $r.Errors | Should -BeNullOrEmpty
        $r.Output.Count | Should -Be 8
        @($r.Output | Where-Object { $_.Error }) | Should -BeNullOrEmpty
        foreach ($f in Get-ChildItem -LiteralPath $dir) {
            $done = Get-CompletedOn $Server $f.Name
            $done.Count | Should -Be 1 -Because "$($f.Name) has exactly one complete upload"
            # A second upload only where the kill cut off the answer to the first chunk, which carries the upload's url.
            @(Get-ServerUpload -Server $Server | Where-Object { $_.filename -eq $f.Name -and $_.status -ne 'complete' -and $_.offset -gt 64KB }) |
                Should -BeNullOrEmpty -Because 'no second upload was started for an upload the call knew'
            $done[0].md5OfStoredBytes | Should -Be (Get-Md5 $f.FullName)
        }
        $script:inFlight.Count | Should -BeGreaterOrEqual 2
        foreach ($held in $script:inFlight) { $r.Output.Id | Should -Contain $held.id -Because "the upload of $($held.filename) went on with its id" }

        @($r.Warnings | Where-Object Message -Match 'has not answered since .*paused; waiting up to 1 min').Count | Should -Be 1
        $tagged = @($r.Information | Where-Object { $_.Tags -contains 'SynapsePS' -and $_.Tags -contains 'Status' })
        @($tagged | Where-Object MessageData -Match 'has not answered since').Count | Should -Be 1
        @($tagged | Where-Object MessageData -Match 'is back after').Count | Should -Be 1
        Write-Host "    $(@($tagged | Where-Object MessageData -Match 'is back after')[0].MessageData)"
        @($r.Progress | Where-Object Activity -Match '^Waiting for the server').Count | Should -BeGreaterThan 0
    }

    It 'ends with one ServerUnavailable past -OutageTimeoutSec, and a rerun completes every file' {
        $dir = New-Batch 'outage-limit' 6 (6 * 64KB)
        $run = Start-Run $BatchScript -ArgumentList $dir, $Conn, @('ThrottleLimit', 3, 'OutageTimeoutSec', 2)
        try {
            Wait-Until -TimeoutSec 30 { (Get-UploadsUnderWay $Server 128KB).Count -ge 1 } | Should -BeTrue
            Stop-SynapseDevServer $Server -Kill -KeepStorage
        }
        finally { $r = Complete-Run $run -TimeoutSec 30 }
        Restart-SynapseDevServer $Server

        # A cmdlet's terminating error ends its statement: in the runspace's script it lands in the error stream.
        $r.Errors.Count | Should -Be 1 -Because 'an outage fails no file: the call ends with one error'
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ServerUnavailable,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $r.Errors[0].Exception.Message | Should -Match 'past the outage limit of 2 s'
        @($r.Output | Where-Object Error) | Should -BeNullOrEmpty
        $rerun = Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $Conn -ChunkSize 64KB -SkipUploaded -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -BeNullOrEmpty
        @($rerun | Where-Object { -not $_.Error }).Count | Should -Be 6
        foreach ($f in Get-ChildItem -LiteralPath $dir) { (Get-CompletedOn $Server $f.Name).Count | Should -Be 1 }
    }
}

Describe 'What dooms every file ends the call at once' {
    It 'a <Status> window ends the batch with <ErrorId>; nothing but the requests in flight reach the server after it; a rerun completes' -ForEach @(
        @{ Status = 507; ErrorId = 'InsufficientStorage'; Category = 'QuotaExceeded' }
        @{ Status = 403; ErrorId = 'AccessDenied'; Category = 'PermissionDenied' }
    ) {
        Set-ServerFaults $Server @{ latencyMs = 40 }
        Reset-ServerLog $Server
        try {
            $dir = New-Batch "refused-$Status" 8 (6 * 64KB)
            $run = Start-Run $BatchScript -ArgumentList $dir, $Conn, @('ThrottleLimit', 4)
            try {
                Wait-Until -TimeoutSec 30 { (Get-UploadsUnderWay $Server 128KB).Count -ge 2 } | Should -BeTrue
                Set-ServerFaults $Server @{ latencyMs = 40; refuseStatus = $Status }   # until turned off
            }
            finally { $r = Complete-Run $run -TimeoutSec 30 }

            # A cmdlet's terminating error ends its statement: in the runspace's script it lands in the error stream.
            $r.Errors.Count | Should -Be 1 -Because 'the call ends with one error, not one per file'
            $r.Errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            $r.Errors[0].CategoryInfo.Category | Should -Be $Category
            @($r.Output | Where-Object Error) | Should -BeNullOrEmpty -Because 'no file is reported failed for it'
            $log = @(Get-ServerRequests $Server)
            $firstRefusal = $log | Where-Object status -EQ $Status | Sort-Object number | Select-Object -First 1
            $firstRefusal | Should -Not -BeNullOrEmpty
            $after = @($log | Where-Object { $_.number -gt $firstRefusal.number })
            $after.Count | Should -BeLessOrEqual 3 -Because 'only the other lanes'' requests already under way may arrive after the first refusal'
            @($after | Where-Object { [datetimeoffset]$_.receivedAt -gt ([datetimeoffset]$firstRefusal.completedAt).AddMilliseconds(500) }) |
                Should -BeNullOrEmpty -Because 'no request starts once the refusal is known'
            Write-Host "    ($Status) requests after the first refusal: $($after.Count)"

            Set-ServerFaults $Server @{}   # the window closes
            $rerun = Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $Conn -ChunkSize 64KB -ThrottleLimit 4 -SkipUploaded -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -BeNullOrEmpty
            foreach ($f in Get-ChildItem -LiteralPath $dir) {
                (Get-CompletedOn $Server $f.Name).Count | Should -Be 1
                # A second upload only where the call ended before the answer to a first chunk, which carries the upload's url.
                @(Get-ServerUpload -Server $Server | Where-Object { $_.filename -eq $f.Name -and $_.status -ne 'complete' -and $_.offset -gt 64KB }) |
                    Should -BeNullOrEmpty -Because 'the stopped uploads resumed from their journals'
            }
        }
        finally { Set-ServerFaults $Server @{} }
    }
}

Describe '-MaxFailures and -StatusIntervalSec' {
    It 'ends the batch with TooManyFailures after exactly N files failed for their own reasons' {
        $dir = Join-Path $TestDrive 'budget'
        1..5 | ForEach-Object { $null = New-Item -ItemType File -Path (Join-Path $dir ("a{0}-empty.bin" -f $_)) -Force }
        $good = New-TestFile -Path (Join-Path $dir 'z-good.bin') -Length 1000
        $caught = $null
        try {
            Get-ChildItem -LiteralPath $dir | Sort-Object Name |
                Invoke-SynapseBatchUpload -Connection $Conn -ThrottleLimit 1 -MaxFailures 3 -ErrorVariable err -ErrorAction SilentlyContinue
        }
        catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'TooManyFailures,*'
        $caught.CategoryInfo.Category | Should -Be 'LimitsExceeded'
        @($err | Where-Object { $_.FullyQualifiedErrorId -like 'EmptyFile,*' }).Count | Should -Be 3
        (Get-CompletedOn $Server $good.Name).Count | Should -Be 0 -Because 'the batch stopped before the later files'
    }

    It 'writes a status line every -StatusIntervalSec to the Information stream, tagged SynapsePS and Status' {
        # 4 files of 6 chunks on 2 lanes: 12 rounds of 200 ms, so the batch outlasts the first interval by a second.
        Set-ServerFaults $Server @{ latencyMs = 200 }
        try {
            $dir = New-Batch 'status' 4 (6 * 64KB)
            $out = Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $Conn -ChunkSize 64KB -ThrottleLimit 2 -StatusIntervalSec 1 -InformationVariable info
            $out.Count | Should -Be 4
            $lines = @($info | Where-Object { $_.Tags -contains 'SynapsePS' -and $_.Tags -contains 'Status' })
            $lines.Count | Should -BeGreaterOrEqual 1
            $lines[0].MessageData | Should -Match '^\d\d:\d\d:\d\d \d+ files? \(\d+ skipped, 0 failed, \d+ in flight\), .* done, .*/s'
            $quiet = Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $Conn -ChunkSize 64KB -SkipUploaded -InformationVariable none
            @($none).Count | Should -Be 0 -Because 'without -StatusIntervalSec and without an outage there is no status line'
            $quiet.Count | Should -Be 4
        }
        finally { Set-ServerFaults $Server @{} }
    }
}
