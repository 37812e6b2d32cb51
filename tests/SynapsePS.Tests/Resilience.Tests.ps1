# Retries, resume after a killed process, prompt stop, and files that change mid-upload — through the cmdlets.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:SYNAPSEPS_MODULE -Force
    $env:SYNAPSEPS_STATE_DIR = Join-Path $TestDrive 'state'
    $script:Token = 'res-token'
    $script:Server = Start-SynapseDevServer -ArgumentList '--token', $Token, '--seed', '11'
    $script:Conn = Connect-Synapse -BaseUrl $Server.Url -AccessToken $Token -PassThru
}
AfterAll {
    $Server | Stop-SynapseDevServer
    Remove-Item Env:SYNAPSEPS_STATE_DIR -ErrorAction Ignore
}

Describe 'Transient failures' {
    AfterEach { Set-ServerFaults $Server @{} }

    It 'completes every file with the right MD5 when 30% of chunk requests fail with 503/500' {
        Set-ServerFaults $Server @{ failRate = 0.3; failStatuses = @(503, 500); retryAfterSeconds = 0; seed = 5 }
        $files = 1..4 | ForEach-Object { New-TestFile -Path (Join-Path $TestDrive "flaky-$_.bin") -Length (6 * 64KB + $_) -Seed $_ }
        $results = $files | Send-SynapseChunkedUpload -Connection $Conn -ChunkSize 64KB -RetryDelaySec 0.05
        $results | Should -HaveCount 4
        foreach ($r in $results) {
            $r.Md5 | Should -Be (Get-Md5 $r.FullName)
            (Get-ServerUpload -Server $Server -Id $r.Id).status | Should -Be 'complete'
        }
        ($results | Measure-Object Retries -Sum).Sum | Should -BeGreaterThan 0
        @(Get-ServerRequests $Server | Where-Object { $_.status -in 500, 503 }).Count | Should -BeGreaterThan 0
    }

    It 'reports each retry on the verbose stream' {
        Set-ServerFaults $Server @{ failRate = 1; failStatuses = @(503); retryAfterSeconds = 0; maxConsecutiveFaults = 1 }
        $file = New-TestFile -Path (Join-Path $TestDrive 'verbose-retry.bin') -Length 1000
        $verbose = $file | Send-SynapseChunkedUpload -Connection $Conn -RetryDelaySec 0.05 -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        ($verbose -join "`n") | Should -Match 'attempt 1 of 4 failed \(HTTP 503\); retrying in'
    }

    It 'waits at least the Retry-After of a 429 before the next request' {
        Set-ServerFaults $Server @{ throttleRate = 1; throttleRetryAfterSeconds = 2; maxConsecutiveFaults = 1 }
        $file = New-TestFile -Path (Join-Path $TestDrive 'throttled.bin') -Length 1000
        Reset-ServerLog $Server
        $r = $file | Send-SynapseChunkedUpload -Connection $Conn -RetryDelaySec 0.05
        $r.Retries | Should -Be 1
        $puts = @(Get-ServerRequests $Server | Where-Object method -EQ 'PUT')
        $puts[0].status | Should -Be 429
        $gap = [DateTimeOffset]::Parse($puts[1].receivedAt) - [DateTimeOffset]::Parse($puts[0].completedAt)
        $gap.TotalSeconds | Should -BeGreaterOrEqual 1.95
    }
}

Describe 'Resume after the process is killed' {
    It 'resumes the same upload from the server''s offset and sends only the rest' {
        $slow = Start-SynapseDevServer -ArgumentList '--token', $Token, '--latency-ms', '150'
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive 'killed.bin') -Length 24MB -Seed 21
            $state = Join-Path $TestDrive 'killstate'
            $script = Join-Path $TestDrive 'upload.ps1'
            Set-Content -LiteralPath $script -Value @"
`$ErrorActionPreference = 'Stop'
Import-Module '$env:SYNAPSEPS_MODULE'
Connect-Synapse -BaseUrl '$($slow.Url)' -AccessToken '$Token'
`$r = Send-SynapseChunkedUpload -LiteralPath '$($file.FullName)' -ChunkSize 1MB
'RESULT ' + (`$r | Select-Object Id, Resumed, ResumedFromOffset, BytesSent, Md5 | ConvertTo-Json -Compress)
"@
            $first = Start-ChildPwsh -ScriptPath $script -Environment @{ SYNAPSEPS_STATE_DIR = $state }
            $started = Wait-Until -TimeoutSec 60 { @(Get-ServerUpload -Server $slow | Where-Object { $_.offset -ge 3MB }).Count -gt 0 }
            $started | Should -BeTrue -Because 'the first run must get a few chunks in before it is killed'
            Stop-Process -Id $first.Id -Force
            $first.WaitForExit(10000) | Out-Null
            $before = Get-ServerUpload -Server $slow
            $before | Should -HaveCount 1
            $before.status | Should -Be 'uploading'

            $second = Start-ChildPwsh -ScriptPath $script -Environment @{ SYNAPSEPS_STATE_DIR = $state }
            $second.WaitForExit(120000) | Should -BeTrue
            $line = ($second.OutTask.Result -split "`n" | Where-Object { $_ -like 'RESULT *' }) -replace '^RESULT ', ''
            $line | Should -Not -BeNullOrEmpty -Because $second.ErrTask.Result
            $r = $line | ConvertFrom-Json
            $r.Id | Should -Be $before.id
            $r.Resumed | Should -BeTrue
            $r.ResumedFromOffset | Should -BeGreaterThan 0
            $r.ResumedFromOffset | Should -BeGreaterOrEqual $before.offset
            $r.BytesSent | Should -BeLessThan $file.Length
            $r.Md5 | Should -Be (Get-Md5 $file.FullName)
            $after = Get-ServerUpload -Server $slow -Id $before.id
            $after.status | Should -Be 'complete'
            Get-Md5 $after.storedPath | Should -Be $r.Md5
            @(Get-ChildItem $state -Filter *.json) | Should -HaveCount 0 -Because 'the journal goes once the upload is finished'
        }
        finally { $slow | Stop-SynapseDevServer }
    }
}

Describe 'Stopping' {
    It 'returns within 2 s of Stop() and a rerun resumes' {
        $slow = Start-SynapseDevServer -ArgumentList '--token', $Token, '--latency-ms', '300'
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive 'stopped.bin') -Length (40 * 64KB) -Seed 31
            $conn = Connect-Synapse -BaseUrl $slow.Url -AccessToken $Token -PassThru
            # One script, not a batch of statements: a stopped batch keeps running its next statement on a pool
            # thread after Dispose and takes the host down.
            $ps = [PowerShell]::Create()
            $null = $ps.AddScript({
                param($module, $path, $conn)
                Import-Module $module
                Send-SynapseChunkedUpload -LiteralPath $path -Connection $conn -ChunkSize 64KB
            }).AddArgument($env:SYNAPSEPS_MODULE).AddArgument($file.FullName).AddArgument($conn)
            $null = $ps.BeginInvoke()
            (Wait-Until -TimeoutSec 30 { @(Get-ServerUpload -Server $slow | Where-Object { $_.offset -ge 128KB }).Count -gt 0 }) | Should -BeTrue
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 2
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $ps.Dispose()
            (Get-ServerUpload -Server $slow).status | Should -Be 'uploading'

            Set-ServerFaults $slow @{ latencyMs = 0 }
            $r = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $conn -ChunkSize 64KB
            $r.Resumed | Should -BeTrue
            $r.ResumedFromOffset | Should -BeGreaterThan 0
            $r.Md5 | Should -Be (Get-Md5 $file.FullName)
        }
        finally { $slow | Stop-SynapseDevServer }
    }
}

Describe 'A file that changes during the upload' {
    It 'fails with FileChangedDuringUpload and the server record is never completed' {
        $slow = Start-SynapseDevServer -ArgumentList '--token', $Token, '--latency-ms', '200'
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive 'growing.bin') -Length (10 * 64KB) -Seed 41
            $conn = Connect-Synapse -BaseUrl $slow.Url -AccessToken $Token -PassThru
            $appender = Start-ThreadJob -ArgumentList $slow.Url, $file.FullName -ScriptBlock {
                param($url, $path)
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while ([DateTime]::UtcNow -lt $deadline) {
                    $ups = Invoke-RestMethod ($url + '_dev/uploads')
                    if (@($ups | Where-Object { $_.offset -gt 0 }).Count -gt 0) { break }
                    Start-Sleep -Milliseconds 50
                }
                $s = [IO.File]::Open($path, 'Append', 'Write', 'ReadWrite')
                try { $s.Write([byte[]]::new(10), 0, 10) } finally { $s.Dispose() }
            }
            Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $conn -ChunkSize 64KB -ErrorVariable err -ErrorAction SilentlyContinue
            $appender | Wait-Job -Timeout 30 | Remove-Job -Force
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'FileChangedDuringUpload,*'
            $uploads = @(Get-ServerUpload -Server $slow)
            $uploads | Should -HaveCount 1
            $uploads[0].status | Should -Be 'uploading'
            @(Get-ServerRequests $slow | Where-Object method -EQ 'POST') | Should -HaveCount 0
        }
        finally { $slow | Stop-SynapseDevServer }
    }
}
