# Test-SynapseUploadFile and Invoke-SynapseBatchUpload: checks, parallel batches, streaming results, progress.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession batch '--seed', '3'
}
AfterAll { Complete-TestSession $Server }

Describe 'Test-SynapseUploadFile' {
    BeforeAll {
        $script:Dir = Join-Path $TestDrive 'check'
        $script:Good = New-TestFile -Path (Join-Path $Dir 'good [1].bin') -Length 4096
        $script:Small = New-TestFile -Path (Join-Path $Dir 'small.bin') -Length 10
        $script:Empty = Join-Path $Dir 'empty.bin'
        $null = New-Item -ItemType File -Path $Empty
        $script:Sparse = New-TestFile -Path (Join-Path $TestDrive 'sparse.bin') -Length 3GB -Sparse
    }

    It 'accepts good files' {
        $r = Test-SynapseUploadFile -LiteralPath $Good.FullName
        $r.PSObject.TypeNames[0] | Should -Be 'SynapsePS.UploadFileCheck'
        $r.Valid | Should -BeTrue
        $r.Length | Should -Be 4096
        $r.Reasons | Should -HaveCount 0
    }

    It 'answers (not errors) for <What>' -ForEach @(
        @{ What = 'a missing path'; Make = { Join-Path $TestDrive 'nope.bin' }; Reason = 'does not exist' }
        @{ What = 'a directory'; Make = { $TestDrive }; Reason = 'directory' }
        @{ What = 'an empty file'; Make = { $Empty }; Reason = 'empty' }
    ) {
        $path = & $Make
        $r = Test-SynapseUploadFile -LiteralPath $path -ErrorVariable err
        $err | Should -HaveCount 0
        $r.Valid | Should -BeFalse
        ($r.Reasons -join ' ') | Should -Match $Reason
    }

    It 'flags a file over -MaxSizeGB (sparse 3 GB file against the default 10 and a small limit)' {
        (Test-SynapseUploadFile -LiteralPath $Sparse.FullName).Valid | Should -BeTrue
        $r = Test-SynapseUploadFile -LiteralPath $Sparse.FullName -MaxSizeGB 2
        $r.Valid | Should -BeFalse
        ($r.Reasons -join ' ') | Should -Match 'more than the limit'
    }

    It 'flags an unreadable file' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'chmod 000 has no Windows equivalent here'; return }
        if ((id -u) -eq 0) { Set-ItResult -Skipped -Because 'running as root, which can read a chmod 000 file'; return }
        $locked = New-TestFile -Path (Join-Path $TestDrive 'locked.bin') -Length 100
        chmod 000 $locked.FullName
        try {
            $r = Test-SynapseUploadFile -LiteralPath $locked.FullName
            $r.Valid | Should -BeFalse
            ($r.Reasons -join ' ') | Should -Match 'cannot be opened'
        }
        finally { chmod 644 $locked.FullName }
    }

    It 'takes Get-ChildItem from the pipeline and -Quiet gives booleans' {
        $answers = Get-ChildItem -LiteralPath $Dir | Test-SynapseUploadFile
        $answers | Should -HaveCount 3
        ($answers | Where-Object Valid).Path | Sort-Object | Should -Be (@($Good.FullName, $Small.FullName) | Sort-Object)
        $quiet = Get-ChildItem -LiteralPath $Dir | Sort-Object Name | Test-SynapseUploadFile -Quiet
        $quiet | Should -Be @($false, $true, $true)
    }

    It 'errors on a non-FileSystem path' {
        Test-SynapseUploadFile -Path 'Env:PATH' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UnsupportedProvider,*'
    }
}

Describe 'Invoke-SynapseBatchUpload' {
    It 'uploads 40 files with -ThrottleLimit 4 through 20% injected 503s, streaming results' {
        Set-ServerFaults $Server @{ failRate = 0.2; failStatuses = @(503); retryAfterSeconds = 0; seed = 17 }
        try {
            $dir = Join-Path $TestDrive 'forty'
            $files = 1..40 | ForEach-Object { New-TestFile -Path (Join-Path $dir ("file{0:00}.bin" -f $_)) -Length (64KB * (1 + $_ % 3) + $_) -Seed $_ }
            $ps = New-ModuleRunspace {
                param($dir, $conn)
                Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $conn -ThrottleLimit 4 -ChunkSize 64KB -RetryDelaySec 0.05 -MaxRetries 8
            } -ArgumentList $dir, $Conn
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $arrivals = [System.Collections.Concurrent.ConcurrentQueue[datetime]]::new()
            $output.add_DataAdded({ $arrivals.Enqueue([datetime]::UtcNow) }.GetNewClosure())
            $ps.Invoke($null, $output)
            $ended = [datetime]::UtcNow
            $ps.Streams.Error | Should -HaveCount 0
            Remove-ModuleRunspace $ps

            $output | Should -HaveCount 40
            @($output | Where-Object Succeeded) | Should -HaveCount 40
            foreach ($r in $output) {
                $r.Md5 | Should -Be (Get-Md5 $r.FullName)
                (Get-ServerUpload -Server $Server -Id $r.Id).md5OfStoredBytes | Should -Be $r.Md5
            }
            ($output | Measure-Object Retries -Sum).Sum | Should -BeGreaterThan 0
            $first = $arrivals.ToArray()[0]
            ($ended - $first).TotalMilliseconds | Should -BeGreaterThan 200 -Because 'the first result is written as soon as its file finishes, long before the batch ends'
        }
        finally { Set-ServerFaults $Server @{} }
    }

    It 'uploads every file with progress turned off (nothing drawn, nothing lost)' {
        $dir = Join-Path $TestDrive 'silent'
        $files = 1..9 | ForEach-Object { New-TestFile -Path (Join-Path $dir "s$_.bin") -Length (1000 + $_) -Seed $_ }
        $out = @(& {
            $ProgressPreference = 'SilentlyContinue'
            Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $Conn -ThrottleLimit 2
        })
        $out | Should -HaveCount 9
        foreach ($r in $out) {
            $r.Status | Should -Be 'Succeeded'
            $r.Md5 | Should -Be (Get-Md5 $r.FullName)
        }
    }

    It 'draws a parent bar, one child bar per slot, monotonic per file, all closed' {
        $dir = Join-Path $TestDrive 'progress'
        1..8 | ForEach-Object { $null = New-TestFile -Path (Join-Path $dir "p$_.bin") -Length (8 * 64KB) -Seed $_ }
        Set-ServerFaults $Server @{ latencyMs = 40 }
        try {
            $run = Invoke-InModuleRunspace -ShowProgress {
                param($dir, $conn)
                Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $conn -ThrottleLimit 3 -ChunkSize 64KB
            } -ArgumentList $dir, $Conn
            $out = $run.Output
            $records = $run.Progress
        }
        finally { Set-ServerFaults $Server @{} }

        $out | Should -HaveCount 8
        $parent = @($records | Where-Object ActivityId -EQ 1)
        $children = @($records | Where-Object ParentActivityId -EQ 1)
        $parent.Count | Should -BeGreaterThan 0
        $children.Count | Should -BeGreaterThan 0
        ($children.ActivityId | Sort-Object -Unique) | Should -Be @(2, 3, 4)
        foreach ($file in ($children | Where-Object RecordType -NE 'Completed' | Group-Object Activity)) {
            $percent = @($file.Group.PercentComplete)
            for ($i = 1; $i -lt $percent.Count; $i++) { $percent[$i] | Should -BeGreaterOrEqual $percent[$i - 1] -Because $file.Name }
        }
        foreach ($id in @(1) + ($children.ActivityId | Sort-Object -Unique)) {
            @($records | Where-Object { $_.ActivityId -eq $id -and $_.RecordType -eq 'Completed' }).Count | Should -BeGreaterThan 0 -Because "bar $id must be closed"
        }
        ($records | Where-Object ActivityId -EQ 1 | Select-Object -Last 1).RecordType | Should -Be 'Completed'
    }

    It 'reports invalid files and a 413 as failed, uploads the rest, and counts them in -Summary' {
        Set-ServerLimits $Server @{ maxUploadBytes = 100000 }
        Reset-ServerLog $Server
        try {
            $dir = Join-Path $TestDrive 'mixed'
            $ok = 1..3 | ForEach-Object { New-TestFile -Path (Join-Path $dir "ok$_.bin") -Length (1000 * $_) -Seed $_ }
            $tooBig = New-TestFile -Path (Join-Path $dir 'too-big.bin') -Length 200000
            $empty = Join-Path $dir 'empty.bin'
            $null = New-Item -ItemType File -Path $empty
            $missing = Join-Path $dir 'missing.bin'
            $paths = @($ok.FullName) + $tooBig.FullName + $empty + $missing

            $summary = $paths | Invoke-SynapseBatchUpload -Connection $Conn -Summary -RetryDelaySec 0 -ErrorVariable err -ErrorAction SilentlyContinue
            $summary.PSObject.TypeNames[0] | Should -Be 'SynapsePS.BatchUploadSummary'
            $summary.Total | Should -Be 6
            $summary.Successful | Should -Be 3 -Because 'the summary counts successes and keeps only the failed files'
            $summary.Failed | Should -HaveCount 3
            ($summary.Failed.ErrorId | Sort-Object) | Should -Be @('EmptyFile', 'FileTooLarge', 'PathNotFound')
            ($summary.Failed | Where-Object ErrorId -EQ 'FileTooLarge').StatusCode | Should -Be 413
            $summary.Failed | ForEach-Object { $_.Reason | Should -Not -BeNullOrEmpty }
            $summary.Bytes | Should -Be (($ok | Measure-Object Length -Sum).Sum)
            $err | Should -HaveCount 3
            $requests = @(Get-ServerRequests $Server)
            @($requests | Where-Object { $_.method -eq 'PUT' }).Count | Should -Be 4 -Because 'three good files and the one the server refused; the invalid ones send nothing'
        }
        finally { Set-ServerLimits $Server }
    }

    It 'uploads the target''s bytes, complete, for a file that is a link (the link''s own length is shorter)' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'creating links needs a privilege on Windows'; return }
        $target = New-TestFile -Path (Join-Path $TestDrive 'link-target.bin') -Length 3000 -Seed 31
        $link = New-Item -ItemType SymbolicLink -Path (Join-Path $TestDrive 'link.bin') -Target $target.FullName
        (Test-SynapseUploadFile -LiteralPath $link.FullName).Length | Should -Be 3000
        $r = Invoke-SynapseBatchUpload -LiteralPath $link.FullName -Connection $Conn
        $r.Length | Should -Be 3000
        $stored = Get-ServerUpload -Server $Server -Id $r.Id
        $stored.status | Should -Be 'complete'
        (Get-Item -LiteralPath $stored.storedPath).Length | Should -Be 3000
        Get-Md5 $stored.storedPath | Should -Be (Get-Md5 $target.FullName)
    }

    It '-WhatIf lists what would be uploaded and sends nothing' {
        $dir = Join-Path $TestDrive 'whatif'
        1..3 | ForEach-Object { $null = New-TestFile -Path (Join-Path $dir "w$_.bin") -Length 100 }
        Reset-ServerLog $Server
        # What-if lines go to the host: read them back from a transcript.
        $run = Get-HostText { Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $Conn -WhatIf }
        $run.Text | Should -Match 'What if: .*w1\.bin'
        $run.Text | Should -Match 'w3\.bin'
        $run.Output | Should -HaveCount 0
        @(Get-ServerRequests $Server) | Should -HaveCount 0
    }

    It 'turns a failure into a catchable exception with the status code under -ErrorAction Stop' {
        Set-ServerLimits $Server @{ maxUploadBytes = 10 }
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive 'batch-stop.bin') -Length 100
            $status = $null
            try { $file | Invoke-SynapseBatchUpload -Connection $Conn -ErrorAction Stop }
            catch { $status = $_.Exception.StatusCode }
            $status | Should -Be 413
        }
        finally { Set-ServerLimits $Server }
    }

    It 'stops every upload within 2 s of Stop()' {
        $before = @(Get-ServerUpload -Server $Server).id
        Set-ServerFaults $Server @{ latencyMs = 500 }
        try {
            $dir = Join-Path $TestDrive 'stop'
            1..6 | ForEach-Object { $null = New-TestFile -Path (Join-Path $dir "s$_.bin") -Length (20 * 64KB) -Seed $_ }
            $ps = New-ModuleRunspace {
                param($dir, $conn)
                Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $conn -ThrottleLimit 3 -ChunkSize 64KB
            } -ArgumentList $dir, $Conn
            $null = $ps.BeginInvoke()
            (Wait-Until -TimeoutSec 30 { @(Get-ServerUpload -Server $Server | Where-Object { $_.id -notin $before -and $_.offset -gt 0 }).Count -ge 2 }) | Should -BeTrue
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 2
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            Remove-ModuleRunspace $ps
            @(Get-ServerUpload -Server $Server | Where-Object { $_.id -notin $before -and $_.status -eq 'complete' }) | Should -HaveCount 0
        }
        finally { Set-ServerFaults $Server @{} }
    }

    It 'is safe in ForEach-Object -Parallel with the connection passed in' {
        $dir = Join-Path $TestDrive 'parallel'
        $files = 1..6 | ForEach-Object { New-TestFile -Path (Join-Path $dir "par$_.bin") -Length (3 * 64KB + $_) -Seed (100 + $_) }
        $module = $env:SYNAPSEPS_MODULE
        $state = $env:SYNAPSEPS_STATE_DIR
        $results = $files | ForEach-Object -ThrottleLimit 3 -Parallel {
            Import-Module $using:module
            $env:SYNAPSEPS_STATE_DIR = $using:state
            Send-SynapseChunkedUpload -LiteralPath $_.FullName -Connection $using:Conn -ChunkSize 64KB
        }
        $results | Should -HaveCount 6
        foreach ($r in $results) { $r.Md5 | Should -Be (Get-Md5 $r.FullName) }
    }
}
