# Retries, refusals that are not retried, resume after a killed process, prompt stop, and files that change
# mid-upload — through the cmdlets, against the dev server's fault injection.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession res '--seed', '11'

    # Chunks of upload -Id that arrived after the first chunk of upload -After (numbers count arrivals), for "nothing
    # is sent after the call ended": the later upload's answers prove the moment passed, whatever the machine's speed.
    function Get-PutAfter([string] $Id, [string] $After) {
        $log = @(Get-ServerRequests $Server | Where-Object method -EQ 'PUT')
        $first = ($log | Where-Object uploadId -EQ $After | Measure-Object number -Minimum).Minimum
        $log | Where-Object { $_.uploadId -eq $Id -and $_.number -gt $first }
    }
}
AfterAll { Complete-TestSession $Server }

Describe 'Transient failures' {
    AfterEach { Set-ServerFaults $Server @{} }

    It 'completes every file with the right MD5 when 30% of chunk requests fail with 503/500' {
        Set-ServerFaults $Server @{ failRate = 0.3; failStatuses = @(503, 500); retryAfterSeconds = 0; seed = 5 }
        Reset-ServerLog $Server
        $files = 1..4 | ForEach-Object { New-TestFile -Path (Join-Path $TestDrive "flaky-$_.bin") -Length (6 * 64KB + $_) -Seed $_ }
        $results = @($files | Send-SynapseChunkedUpload -Connection $Conn -ChunkSize 64KB -RetryDelaySec 0.05)
        $results | Should -HaveCount 4
        foreach ($r in $results) {
            $r.Md5 | Should -Be (Get-Md5 $r.FullName)
            $stored = Get-ServerUpload -Server $Server -Id $r.Id
            $stored.status | Should -Be 'complete'
            Get-Md5 $stored.storedPath | Should -Be $r.Md5
            (Get-Item -LiteralPath $stored.storedPath).Length | Should -Be $r.Length
        }
        $failed = @(Get-ServerRequests $Server | Where-Object { $_.status -in 500, 503 })
        $failed.Count | Should -BeGreaterThan 0 -Because 'the server injected failures'
        ($results | Measure-Object Retries -Sum).Sum | Should -BeGreaterThan 0
        ($results | Measure-Object Retries -Sum).Sum | Should -Be $failed.Count -Because 'every injected failure is retried once'
    }

    It 'reports each retry on the verbose stream' {
        Set-ServerFaults $Server @{ failRate = 1; failStatuses = @(503); retryAfterSeconds = 0; maxConsecutiveFaults = 1 }
        $file = New-TestFile -Path (Join-Path $TestDrive 'verbose-retry.bin') -Length 1000
        $verbose = $file | Send-SynapseChunkedUpload -Connection $Conn -RetryDelaySec 0.05 -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        ($verbose -join "`n") | Should -Match 'attempt 1 of 4 failed \(HTTP 503\); retrying in'
    }

    It 'gives up after -MaxRetries with ServerError and the status' {
        Set-ServerFaults $Server @{ failRate = 1; failStatuses = @(503); retryAfterSeconds = 0; maxConsecutiveFaults = 10 }
        $file = New-TestFile -Path (Join-Path $TestDrive 'gives-up.bin') -Length 1000
        Reset-ServerLog $Server
        $out = $file | Send-SynapseChunkedUpload -Connection $Conn -MaxRetries 2 -RetryDelaySec 0.05 -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ServerError,*'
        $err[0].Exception.StatusCode | Should -Be 503
        @(Get-ServerRequests $Server | Where-Object method -EQ 'PUT') | Should -HaveCount 3 -Because 'one attempt and two retries'
    }

    It 'waits at least the Retry-After of a 429 (every chunk throttled once, Retry-After: 2)' {
        Set-ServerFaults $Server @{ throttleRate = 1; throttleRetryAfterSeconds = 2; maxConsecutiveFaults = 1 }
        Reset-ServerLog $Server
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive 'throttled.bin') -Length 1000
            $r = $file | Send-SynapseChunkedUpload -Connection $Conn -RetryDelaySec 0.05
            $r.Md5 | Should -Be (Get-Md5 $file.FullName)
            $r.Retries | Should -Be 0 -Because 'a Retry-After holds the whole call and uses up no retry'
            $puts = @(Get-ServerRequests $Server | Where-Object method -EQ 'PUT')
            $puts | Should -HaveCount 2
            $puts[0].status | Should -Be 429
            $puts[1].status | Should -Be 200
            $gap = [DateTimeOffset]::Parse($puts[1].receivedAt) - [DateTimeOffset]::Parse($puts[0].completedAt)
            $gap.TotalSeconds | Should -BeGreaterOrEqual 1.95 -Because 'Retry-After: 2 beats -RetryDelaySec 0.05'
        }
        finally { Set-ServerFaults $Server @{} }
    }
}

Describe 'Refusals that no retry can fix' {
    It 'does not retry <Status>: one request per failed file, <ErrorId> (<Category>)' -ForEach @(
        @{ Status = 401; ErrorId = 'AuthenticationFailed'; Category = 'PermissionDenied'; MaxUploadBytes = $null; QuotaAbove = $null; WrongToken = $true; Requests = 1; Terminating = $true }
        @{ Status = 413; ErrorId = 'FileTooLarge'; Category = 'LimitsExceeded'; MaxUploadBytes = 1000; QuotaAbove = $null; WrongToken = $false; Requests = 2; Terminating = $false }
        @{ Status = 507; ErrorId = 'InsufficientStorage'; Category = 'QuotaExceeded'; MaxUploadBytes = $null; QuotaAbove = 1000; WrongToken = $false; Requests = 1; Terminating = $true }
    ) {
        # The file's one server, limited for this test: a quota of 1000 bytes beyond what it holds already.
        $held = [long](@(Get-ServerUpload -Server $Server) | Measure-Object offset -Sum).Sum
        Set-ServerLimits $Server @{ maxUploadBytes = $MaxUploadBytes; quotaBytes = $(if ($null -ne $QuotaAbove) { $held + $QuotaAbove }) }
        Reset-ServerLog $Server
        try {
            $files = 1..2 | ForEach-Object { New-TestFile -Path (Join-Path $TestDrive "refused-$Status-$_.bin") -Length 5000 -Seed $_ }
            $c = Connect-Synapse -BaseUrl $Server.Url -AccessToken $(if ($WrongToken) { 'wrong' } else { $Token }) -PassThru
            $caught = $null
            $out = $null
            try {
                $out = $files | Send-SynapseChunkedUpload -Connection $c -MaxRetries 3 -RetryDelaySec 0.05 -ErrorVariable err -ErrorAction SilentlyContinue
            }
            catch { $caught = $_ }
            ($null -ne $caught) | Should -Be $Terminating -Because 'only a failure that dooms every file ends the call'
            $out | Should -BeNullOrEmpty
            # A terminating error reaches -ErrorVariable wrapped in a CmdletInvocationException: take the caught record.
            $records = @(if ($caught) { $caught } else { $err })
            $records | Should -HaveCount $Requests
            foreach ($e in $records) {
                $e.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
                $e.CategoryInfo.Category | Should -Be $Category
                $e.Exception.StatusCode | Should -Be $Status
                $e.TargetObject | Should -BeIn $files.FullName
            }
            $log = @(Get-ServerRequests $Server)
            $log | Should -HaveCount $Requests -Because 'a refusal is final: no retry'
            $log | ForEach-Object { $_.status | Should -Be $Status }
        }
        finally { Set-ServerLimits $Server }
    }
}

Describe 'Resume after the process is killed' {
    It 'resumes the same upload from the server''s offset and sends only the rest' {
        Set-ServerFaults $Server @{ latencyMs = 100 }
        $first = $null
        $second = $null
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive 'killed [big].bin') -Length 40MB -Seed 21
            function Get-Mine { @(Get-ServerUpload -Server $Server | Where-Object filename -EQ $file.Name) }
            $state = Join-Path $TestDrive 'killstate'
            $script = Join-Path $TestDrive 'upload.ps1'
            Set-Content -LiteralPath $script -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module '$env:SYNAPSEPS_MODULE'
Connect-Synapse -BaseUrl '$($Server.Url)' -AccessToken '$Token'
`$r = Send-SynapseChunkedUpload -LiteralPath '$($file.FullName)' -ChunkSize 1MB
'RESULT ' + (`$r | Select-Object Id, Resumed, ResumedFromOffset, BytesSent, Md5, Length | ConvertTo-Json -Compress)
"@
            $first = Start-ChildPwsh -ScriptPath $script -Environment @{ SYNAPSEPS_STATE_DIR = $state }
            $started = Wait-Until -TimeoutSec 60 -IntervalMs 50 { @(Get-Mine | Where-Object { $_.offset -ge 2MB }).Count -gt 0 }
            $started | Should -BeTrue -Because "the first run must get a few chunks in before it is killed. $(if ($first.HasExited) { $first.ErrTask.Result })"
            Stop-Process -Id $first.Id -Force
            $first.WaitForExit(10000) | Should -BeTrue
            $before = Get-Mine
            $before | Should -HaveCount 1
            $before[0].status | Should -Be 'uploading'
            $before[0].offset | Should -BeGreaterThan 0
            $before[0].offset | Should -BeLessThan $file.Length
            @(Get-ChildItem -LiteralPath $state -Filter *.json) | Should -HaveCount 1 -Because 'the killed run leaves its journal'

            $second = Start-ChildPwsh -ScriptPath $script -Environment @{ SYNAPSEPS_STATE_DIR = $state }
            $second.WaitForExit(120000) | Should -BeTrue
            $line = ($second.OutTask.Result -split "`n" | Where-Object { $_ -like 'RESULT *' }) -replace '^RESULT ', ''
            $line | Should -Not -BeNullOrEmpty -Because $second.ErrTask.Result
            $r = $line | ConvertFrom-Json
            $r.Id | Should -Be $before[0].id
            $r.Resumed | Should -BeTrue
            $r.ResumedFromOffset | Should -BeGreaterThan 0
            $r.ResumedFromOffset | Should -BeGreaterOrEqual $before[0].offset
            $r.BytesSent | Should -BeLessThan $file.Length
            $r.BytesSent | Should -Be ($file.Length - $r.ResumedFromOffset)
            $r.Md5 | Should -Be (Get-Md5 $file.FullName)
            Get-Mine | Should -HaveCount 1 -Because 'no second upload was started'
            $after = Get-ServerUpload -Server $Server -Id $before[0].id
            $after.status | Should -Be 'complete'
            Get-Md5 $after.storedPath | Should -Be $r.Md5
            (Get-Item -LiteralPath $after.storedPath).Length | Should -Be $file.Length
            @(Get-ChildItem -LiteralPath $state -Filter *.json) | Should -HaveCount 0 -Because 'the journal goes once the upload is finished'
        }
        finally {
            Stop-ChildPwsh $first
            Stop-ChildPwsh $second
            Set-ServerFaults $Server @{}
        }
    }
}

Describe 'Stopping' {
    BeforeAll {
        # The file's one server, slowed for these tests.
        $script:Slow = $Server
        $script:SlowConn = $Conn
        Set-ServerFaults $Slow @{ latencyMs = 300 }

        # Starts Send-SynapseChunkedUpload in its own runspace, stops it once the server holds a few chunks.
        function Stop-SlowUpload([string] $Path) {
            $ps = New-ModuleRunspace { param($path, $conn) Send-SynapseChunkedUpload -LiteralPath $path -Connection $conn -ChunkSize 64KB } -ArgumentList $Path, $SlowConn
            $async = $ps.BeginInvoke()
            $name = Split-Path $Path -Leaf
            $going = Wait-Until -TimeoutSec 30 { @(Get-ServerUpload -Server $Slow | Where-Object { $_.filename -eq $name -and $_.offset -ge 128KB }).Count -gt 0 }
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            [pscustomobject]@{
                Started   = $going
                StopSec   = $watch.Elapsed.TotalSeconds
                State     = $ps.InvocationStateInfo.State
                Completed = $async.IsCompleted
                StoppedAt = [DateTimeOffset]::UtcNow
            }
            Remove-ModuleRunspace $ps
        }
    }
    AfterAll { Set-ServerFaults $Slow @{} }
    AfterEach { Set-ServerFaults $Slow @{ latencyMs = 300 } }

    It 'returns within 2 s of Stop(), sends nothing more, keeps a token-free journal, and a rerun resumes' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'stopped.bin') -Length (40 * 64KB) -Seed 31
        $stop = Stop-SlowUpload $file.FullName
        $stop.Started | Should -BeTrue
        $stop.StopSec | Should -BeLessThan 2
        $stop.State | Should -Be 'Stopped'
        $stop.Completed | Should -BeTrue
        $upload = Get-ServerUpload -Server $Slow | Where-Object filename -EQ $file.Name
        $upload.status | Should -Be 'uploading'
        # A later upload on the same slow server: once its chunks are answered, a stopped upload still sending would
        # have sent its next chunk too.
        $later = New-TestFile -Path (Join-Path $TestDrive 'after-the-stop.bin') -Length (3 * 64KB) -Seed 33 |
            Send-SynapseChunkedUpload -Connection $SlowConn -ChunkSize 64KB
        @(Get-PutAfter $upload.id $later.Id) | Should -HaveCount 0 -Because 'a stopped upload sends no more chunks'
        $journals = @(Get-ChildItem -LiteralPath $env:SYNAPSEPS_STATE_DIR -Filter *.json)
        $journals.Count | Should -BeGreaterThan 0 -Because 'the stopped upload keeps its journal for the rerun'
        ($journals | Get-Content -Raw) -join "`n" | Should -Not -Match $Token

        Set-ServerFaults $Slow @{ latencyMs = 0 }
        $r = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $SlowConn -ChunkSize 64KB
        $r.Id | Should -Be $upload.id
        $r.Resumed | Should -BeTrue
        $r.ResumedFromOffset | Should -BeGreaterThan 0
        $r.BytesSent | Should -BeLessThan $file.Length
        $r.Md5 | Should -Be (Get-Md5 $file.FullName)
        Get-Md5 (Get-ServerUpload -Server $Slow -Id $r.Id).storedPath | Should -Be $r.Md5
    }

    It '-NoResume starts a new upload instead of resuming a stopped one' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'no-resume.bin') -Length (40 * 64KB) -Seed 32
        $stop = Stop-SlowUpload $file.FullName
        $stop.Started | Should -BeTrue
        $stopped = Get-ServerUpload -Server $Slow | Where-Object filename -EQ $file.Name
        $stopped | Should -HaveCount 1

        Set-ServerFaults $Slow @{ latencyMs = 0 }
        $r = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $SlowConn -ChunkSize 64KB -NoResume
        $r.Resumed | Should -BeFalse
        $r.ResumedFromOffset | Should -Be 0
        $r.Id | Should -Not -Be $stopped.id
        $r.BytesSent | Should -Be $file.Length
        $r.Md5 | Should -Be (Get-Md5 $file.FullName)
        (Get-ServerUpload -Server $Slow -Id $stopped.id).status | Should -Be 'uploading'
    }
}

Describe 'A file that changes during the upload' {
    It 'fails with FileChangedDuringUpload and the server record is never completed' {
        Set-ServerFaults $Server @{ latencyMs = 200 }
        Reset-ServerLog $Server
        $upload = $null
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive 'growing.bin') -Length (10 * 64KB) -Seed 41
            $upload = New-ModuleRunspace { param($path, $conn) Send-SynapseChunkedUpload -LiteralPath $path -Connection $conn -ChunkSize 64KB } -ArgumentList $file.FullName, $Conn
            $running = $upload.BeginInvoke()
            # Appends 10 bytes once the server holds the first chunk, with nine slow chunks still to go.
            (Wait-Until -TimeoutSec 30 -IntervalMs 20 { @(Get-ServerUpload -Server $Server | Where-Object { $_.filename -eq $file.Name -and $_.offset -gt 0 }).Count -gt 0 }) | Should -BeTrue
            $s = [IO.File]::Open($file.FullName, 'Append', 'Write', 'ReadWrite')
            try { $s.Write([byte[]]::new(10), 0, 10) } finally { $s.Dispose() }
            $out = @($upload.EndInvoke($running))
            $err = @($upload.Streams.Error)
            (Get-Item -LiteralPath $file.FullName).Length | Should -Be (10 * 64KB + 10)
            $out | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'FileChangedDuringUpload,*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $err[0].TargetObject | Should -Be $file.FullName
            $uploads = @(Get-ServerUpload -Server $Server | Where-Object filename -EQ $file.Name)
            $uploads | Should -HaveCount 1
            $uploads[0].status | Should -Be 'uploading'
            @(Get-ServerRequests $Server | Where-Object method -EQ 'POST') | Should -HaveCount 0 -Because 'the finish is never sent'
        }
        finally {
            Remove-ModuleRunspace $upload
            Set-ServerFaults $Server @{}
        }
    }
}
