# Riding out the night: a server that goes away pauses the call instead of failing files; a full or forbidden
# server ends it at once; the batch's failure budget; status lines on the Information stream. Every server here is a
# real dev server process, stopped, restarted or made to refuse while the cmdlets run; limits are seconds, so the
# file stays quick.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession outage

    function New-Batch([string] $Name, [int] $Count, [long] $Length) {
        $dir = Join-Path $TestDrive $Name
        $null = 1..$Count | ForEach-Object { New-TestFile -Path (Join-Path $dir ("f{0:00}.bin" -f $_)) -Length ($Length + $_) -Seed $_ }
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
    BeforeAll {
        $script:Slow = Start-SynapseDevServer -Persist -ArgumentList '--token', $Token, '--latency-ms', '40'
        $script:SlowConn = Connect-Synapse -BaseUrl $Slow.Url -AccessToken $Token -PassThru
    }
    AfterAll { $Slow | Stop-SynapseDevServer -Kill }

    It 'pauses a batch: every file completes, none fails, one upload per file, and the held uploads continue their own ids' {
        $dir = New-Batch 'restart-batch' 8 (6 * 64KB)
        $run = Start-Run $BatchScript -ArgumentList $dir, $SlowConn, @('ThrottleLimit', 4, 'OutageTimeoutSec', 60, 'InformationAction', 'Continue') -ShowProgress
        $inFlight = $null
        try {
            Wait-Until -TimeoutSec 30 { (Get-UploadsUnderWay $Slow 128KB).Count -ge 2 } | Should -BeTrue
            $inFlight = Get-UploadsUnderWay $Slow 1
            # Far longer than one retry at 0.05 s: without the pause, the files in flight would fail.
            Restart-SynapseDevServer $Slow -DownSec 1
        }
        finally { $r = Complete-Run $run }

        $r.Errors | Should -BeNullOrEmpty
        $r.Output.Count | Should -Be 8
        @($r.Output | Where-Object { $_.Error }) | Should -BeNullOrEmpty
        foreach ($f in Get-ChildItem -LiteralPath $dir) {
            $done = Get-CompletedOn $Slow $f.Name
            $done.Count | Should -Be 1 -Because "$($f.Name) has exactly one complete upload"
            @(Get-ServerUpload -Server $Slow | Where-Object filename -EQ $f.Name).Count | Should -Be 1 -Because 'no second upload was started for it'
            $done[0].md5OfStoredBytes | Should -Be (Get-Md5 $f.FullName)
        }
        $inFlight.Count | Should -BeGreaterOrEqual 2
        foreach ($held in $inFlight) { $r.Output.Id | Should -Contain $held.id -Because "the upload of $($held.filename) went on with its id" }

        @($r.Warnings | Where-Object Message -Match 'has not answered since .*paused; waiting up to 1 min').Count | Should -Be 1
        $tagged = @($r.Information | Where-Object { $_.Tags -contains 'SynapsePS' -and $_.Tags -contains 'Status' })
        @($tagged | Where-Object MessageData -Match 'has not answered since').Count | Should -Be 1
        @($tagged | Where-Object MessageData -Match 'is back after').Count | Should -Be 1
        Write-Host "    $(@($tagged | Where-Object MessageData -Match 'is back after')[0].MessageData)"
        @($r.Progress | Where-Object Activity -Match '^Waiting for the server').Count | Should -BeGreaterThan 0
    }

    It 'pauses one large Send-SynapseChunkedUpload, which continues with the same upload id' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'large.bin') -Length (40 * 64KB + 7) -Seed 40
        $run = Start-Run { param($p, $c) Send-SynapseChunkedUpload -LiteralPath $p -Connection $c -ChunkSize 64KB -MaxRetries 1 -RetryDelaySec 0.05 -OutageTimeoutSec 60 } `
            -ArgumentList $file.FullName, $SlowConn
        $before = $null
        try {
            Wait-Until -TimeoutSec 30 { @(Get-UploadsUnderWay $Slow 256KB | Where-Object filename -EQ 'large.bin').Count -eq 1 } | Should -BeTrue
            $before = Get-UploadsUnderWay $Slow 1 | Where-Object filename -EQ 'large.bin'
            Restart-SynapseDevServer $Slow -DownSec 1
        }
        finally { $r = Complete-Run $run }

        $r.Errors | Should -BeNullOrEmpty
        $before.status | Should -Not -Be 'complete' -Because 'the server went away part-way'
        $r.Output[0].Id | Should -Be $before.id
        $r.Output[0].Md5 | Should -Be (Get-Md5 $file.FullName)
        @(Get-ServerUpload -Server $Slow | Where-Object filename -EQ 'large.bin').Count | Should -Be 1
        @($r.Warnings | Where-Object Message -Match 'has not answered since').Count | Should -Be 1
    }

    It 'ends a held call within a second when it is stopped' {
        # 4 files of 24 chunks on 2 lanes at 40 ms a chunk: about 2 s, so the server is killed well before the end.
        $dir = New-Batch 'stop-held' 4 (24 * 64KB)
        $run = Start-Run $BatchScript -ArgumentList $dir, $SlowConn, @('ThrottleLimit', 2, 'OutageTimeoutSec', 600)
        try {
            Wait-Until -TimeoutSec 30 { (Get-UploadsUnderWay $Slow 1).Count -ge 1 } | Should -BeTrue
            Stop-SynapseDevServer $Slow -Kill -KeepStorage
            $run.Handle.IsCompleted | Should -BeFalse -Because 'the batch must still be running when its server goes'
            Wait-Until -TimeoutSec 20 { $run.PowerShell.Streams.Warning.Count -ge 1 } | Should -BeTrue -Because 'the call is held'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $run.PowerShell.Stop()
            $watch.Stop()
        }
        finally { Remove-ModuleRunspace $run.PowerShell }
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 1
    }
}

Describe 'An outage longer than -OutageTimeoutSec, and a server that never answered' {
    It 'ends with one ServerUnavailable, keeps the journals, and a rerun completes every file' {
        $gone = Start-SynapseDevServer -Persist -ArgumentList '--token', $Token, '--latency-ms', '40'
        try {
            $c = Connect-Synapse -BaseUrl $gone.Url -AccessToken $Token -PassThru
            $dir = New-Batch 'outage-limit' 6 (6 * 64KB)
            $run = Start-Run $BatchScript -ArgumentList $dir, $c, @('ThrottleLimit', 3, 'OutageTimeoutSec', 3)
            try {
                Wait-Until -TimeoutSec 30 { (Get-UploadsUnderWay $gone 128KB).Count -ge 1 } | Should -BeTrue
                Stop-SynapseDevServer $gone -Kill -KeepStorage
                $watch = [Diagnostics.Stopwatch]::StartNew()
            }
            finally { $r = Complete-Run $run -TimeoutSec 30 }
            $watch.Stop()

            # A cmdlet's terminating error ends its statement: in the runspace's script it lands in the error stream.
            $r.Errors.Count | Should -Be 1 -Because 'an outage fails no file: the call ends with one error'
            $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'ServerUnavailable,*'
            $r.Errors[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $r.Errors[0].Exception.Message | Should -Match 'past the outage limit of 3 s'
            @($r.Output | Where-Object Error) | Should -BeNullOrEmpty
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
            Write-Host "    ServerUnavailable $([math]::Round($watch.Elapsed.TotalSeconds, 1)) s after the server was killed"
            $journals = @(Get-SynapseUploadJournal | Where-Object { $_.FullName.StartsWith($dir) })
            $journals.Count | Should -BeGreaterThan 0 -Because 'the held uploads keep their journals'

            Restart-SynapseDevServer $gone
            $rerun = Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $c -ChunkSize 64KB -SkipUploaded -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -BeNullOrEmpty
            foreach ($f in Get-ChildItem -LiteralPath $dir) { (Get-CompletedOn $gone $f.Name).Count | Should -Be 1 }
            foreach ($j in $journals) { ($rerun | Where-Object FullName -EQ $j.FullName).Id | Should -Be $j.UploadId }
        }
        finally { $gone | Stop-SynapseDevServer -Kill }
    }

    It 'waits for a server stopped while the first request waited for its answer, though it never answered' {
        # The server stores the first chunk, then waits 3 s before answering: killed then, it has taken a request
        # and answered none. That is a server that went away, not a wrong address.
        $late = Start-SynapseDevServer -Persist -ArgumentList '--token', $Token, '--latency-ms', '3000'
        try {
            $c = Connect-Synapse -BaseUrl $late.Url -AccessToken $Token -PassThru
            $file = New-TestFile -Path (Join-Path $TestDrive 'first-in-flight.bin') -Length 1000 -Seed 9
            $run = Start-Run { param($p, $c) Send-SynapseChunkedUpload -LiteralPath $p -Connection $c -ChunkSize 64KB -MaxRetries 1 -RetryDelaySec 0.05 -OutageTimeoutSec 60 } `
                -ArgumentList $file.FullName, $c
            try {
                Wait-Until -TimeoutSec 30 { @(Get-UploadsUnderWay $late 1 | Where-Object filename -EQ $file.Name).Count -ge 1 } | Should -BeTrue
                Stop-SynapseDevServer $late -Kill -KeepStorage
                Wait-Until -TimeoutSec 20 { $run.PowerShell.Streams.Warning.Count -ge 1 -or $run.Handle.IsCompleted } | Should -BeTrue
                $run.Handle.IsCompleted | Should -BeFalse -Because 'the call waits for its server instead of failing the file'
                Restart-SynapseDevServer $late
            }
            finally { $r = Complete-Run $run -TimeoutSec 60 }

            $r.Errors | Should -BeNullOrEmpty
            @($r.Warnings | Where-Object Message -Match 'has not answered since').Count | Should -Be 1
            $r.Output[0].Md5 | Should -Be (Get-Md5 $file.FullName)
            $done = Get-CompletedOn $late $file.Name
            $done.Count | Should -Be 1
            $done[0].id | Should -Be $r.Output[0].Id
            $done[0].md5OfStoredBytes | Should -Be (Get-Md5 $file.FullName)
        }
        finally { $late | Stop-SynapseDevServer -Kill }
    }

    It 'fails at once when the base URL never answered, without waiting for the outage limit' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'nowhere.bin') -Length 1000
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $nowhere = Connect-Synapse -BaseUrl "http://127.0.0.1:$port/" -AccessToken $Token -PassThru
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $out = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $nowhere -MaxRetries 1 -RetryDelaySec 0 -OutageTimeoutSec 600 -ErrorVariable err -ErrorAction SilentlyContinue -WarningVariable warn
        $watch.Stop()
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
        $warn | Where-Object { "$_" -match 'has not answered' } | Should -BeNullOrEmpty
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
    }
}

Describe 'A shared Retry-After' {
    It 'holds every lane while a 503 Retry-After is pending, uses up no retries, and fails no file' {
        $dir = New-Batch 'retry-after' 6 (4 * 64KB)
        # Every PUT and POST meets 503 with Retry-After: 1 for 3 s.
        Reset-ServerLog $Server
        Set-ServerFaults $Server @{ refuseStatus = 503; refuseSeconds = 3; refuseRetryAfterSeconds = 1 }
        try {
            $out = Get-ChildItem -LiteralPath $dir |
                Invoke-SynapseBatchUpload -Connection $Conn -ThrottleLimit 3 -ChunkSize 64KB -MaxRetries 1 -RetryDelaySec 0.05 -OutageTimeoutSec 60 -ErrorVariable err -ErrorAction SilentlyContinue
        }
        finally { Set-ServerFaults $Server @{} }
        $err | Should -BeNullOrEmpty
        @($out | Where-Object { -not $_.Error }).Count | Should -Be 6

        $log = @(Get-ServerRequests $Server)
        $refused = @($log | Where-Object status -EQ 503)
        $refused.Count | Should -BeGreaterThan 2 -Because 'the window outlasts one retry at 0.05 s'
        # While a Retry-After is pending (after the client had the 503, until 1 s later) no request arrives.
        $during = foreach ($x in $refused) {
            $from = ([datetimeoffset]$x.completedAt).AddMilliseconds(150); $to = ([datetimeoffset]$x.completedAt).AddMilliseconds(900)
            $log | Where-Object { $at = [datetimeoffset]$_.receivedAt; $at -gt $from -and $at -lt $to }
        }
        @($during) | Should -BeNullOrEmpty
    }
}

Describe 'What dooms every file ends the call at once' {
    It 'a <Status> window ends the batch with <ErrorId>; nothing but the requests in flight reach the server after it; a rerun completes' -ForEach @(
        @{ Status = 507; ErrorId = 'InsufficientStorage'; Category = 'QuotaExceeded' }
        @{ Status = 403; ErrorId = 'AccessDenied'; Category = 'PermissionDenied' }
    ) {
        $slow = Start-SynapseDevServer -ArgumentList '--token', $Token, '--latency-ms', '40'
        try {
            $c = Connect-Synapse -BaseUrl $slow.Url -AccessToken $Token -PassThru
            $dir = New-Batch "refused-$Status" 8 (6 * 64KB)
            $run = Start-Run $BatchScript -ArgumentList $dir, $c, @('ThrottleLimit', 4)
            try {
                Wait-Until -TimeoutSec 30 { (Get-UploadsUnderWay $slow 128KB).Count -ge 2 } | Should -BeTrue
                Set-ServerFaults $slow @{ refuseStatus = $Status; refuseSeconds = 3 }
            }
            finally { $r = Complete-Run $run -TimeoutSec 30 }

            # A cmdlet's terminating error ends its statement: in the runspace's script it lands in the error stream.
            $r.Errors.Count | Should -Be 1 -Because 'the call ends with one error, not one per file'
            $r.Errors[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            $r.Errors[0].CategoryInfo.Category | Should -Be $Category
            @($r.Output | Where-Object Error) | Should -BeNullOrEmpty -Because 'no file is reported failed for it'
            $log = @(Get-ServerRequests $slow)
            $firstRefusal = $log | Where-Object status -EQ $Status | Sort-Object number | Select-Object -First 1
            $firstRefusal | Should -Not -BeNullOrEmpty
            $after = @($log | Where-Object { $_.number -gt $firstRefusal.number })
            $after.Count | Should -BeLessOrEqual 3 -Because 'only the other lanes'' requests already under way may arrive after the first refusal'
            @($after | Where-Object { [datetimeoffset]$_.receivedAt -gt ([datetimeoffset]$firstRefusal.completedAt).AddMilliseconds(500) }) |
                Should -BeNullOrEmpty -Because 'no request starts once the refusal is known'
            Write-Host "    ($Status) requests after the first refusal: $($after.Count)"

            Start-Sleep -Seconds 3   # the window closes
            $rerun = Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $c -ChunkSize 64KB -ThrottleLimit 4 -SkipUploaded -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -BeNullOrEmpty
            foreach ($f in Get-ChildItem -LiteralPath $dir) {
                (Get-CompletedOn $slow $f.Name).Count | Should -Be 1
                @(Get-ServerUpload -Server $slow | Where-Object filename -EQ $f.Name).Count | Should -Be 1 -Because 'the stopped uploads resumed from their journals'
            }
        }
        finally { $slow | Stop-SynapseDevServer -Kill }
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
        $slow = Start-SynapseDevServer -ArgumentList '--token', $Token, '--latency-ms', '200'
        try {
            $c = Connect-Synapse -BaseUrl $slow.Url -AccessToken $Token -PassThru
            $dir = New-Batch 'status' 4 (6 * 64KB)
            $out = Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $c -ChunkSize 64KB -ThrottleLimit 2 -StatusIntervalSec 1 -InformationVariable info
            $out.Count | Should -Be 4
            $lines = @($info | Where-Object { $_.Tags -contains 'SynapsePS' -and $_.Tags -contains 'Status' })
            $lines.Count | Should -BeGreaterOrEqual 1
            $lines[0].MessageData | Should -Match '^\d\d:\d\d:\d\d \d+ files? \(\d+ skipped, 0 failed, \d+ in flight\), .* done, .*/s'
            $quiet = Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $c -ChunkSize 64KB -SkipUploaded -InformationVariable none
            @($none).Count | Should -Be 0 -Because 'without -StatusIntervalSec and without an outage there is no status line'
            $quiet.Count | Should -Be 4
        }
        finally { $slow | Stop-SynapseDevServer -Kill }
    }
}
