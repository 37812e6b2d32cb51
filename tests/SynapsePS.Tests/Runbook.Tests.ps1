# Runbooks: the status lines where an Azure Automation job keeps them, the time budget (-MaxDurationSec) and its
# rerun, two jobs in one process, and the CSV pattern for batches too large for a job's 1 MiB stream.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession runbook

    function New-Batch([string] $Name, [int] $Count, [long] $Length) {
        $dir = Join-Path $TestDrive $Name
        # Named after the batch: every test of this file shares one server, whose listing is read by file name.
        $null = 1..$Count | ForEach-Object { New-TestFile -Path (Join-Path $dir ("$Name-{0:000}.bin" -f $_)) -Length ($Length + $_) -Seed $_ }
        $dir
    }

    # Runs a script in a fresh runspace of this process with the module; returns what each stream held.
    function Invoke-Job([scriptblock] $Script, [object[]] $ArgumentList) {
        $ps = New-ModuleRunspace $Script -ArgumentList $ArgumentList
        try {
            $output = $ps.Invoke()
            [pscustomobject]@{ Output = @($output); Warning = @($ps.Streams.Warning); Information = @($ps.Streams.Information)
                Verbose = @($ps.Streams.Verbose); Errors = @($ps.Streams.Error) }
        }
        finally { Remove-ModuleRunspace $ps }
    }

    $script:StatusPattern = '^\d\d:\d\d:\d\d \d+ files? \(\d+ skipped, \d+ failed, \d+ in flight\)'

    # The server's uploads by file name.
    function Get-UploadsByName($Server) {
        $byName = @{}
        foreach ($u in Get-ServerUpload -Server $Server) {
            if (-not $byName.ContainsKey($u.filename)) { $byName[$u.filename] = [Collections.Generic.List[object]]::new() }
            $byName[$u.filename].Add($u)
        }
        $byName
    }
}
AfterAll { Complete-TestSession $Server }

Describe 'Status lines where an Azure Automation job keeps them' {
    BeforeAll {
        # 4 files of 6 chunks on 2 lanes at 200 ms a chunk: the batch outlasts the first 1 s interval.
        $script:Dir = New-Batch 'status' 4 (6 * 64KB)
        Set-ServerFaults $Server @{ latencyMs = 200 }
    }
    AfterAll { Set-ServerFaults $Server @{} }

    It '<What>: status lines on <Stream>, Output holds only result objects' -ForEach @(
        @{ What = 'in a job ($PSPrivateMetadata.JobId a Guid)'; Metadata = { [System.Management.Automation.PSPrimitiveDictionary] @{ JobId = [guid]::NewGuid() } }; Stream = 'Warning' }
        @{ What = 'in a job (JobId as text in a hashtable)'; Metadata = { @{ JobId = [guid]::NewGuid().ToString() } }; Stream = 'Warning' }
        @{ What = 'outside a job'; Metadata = { $null }; Stream = 'Information' }
        @{ What = 'with an empty JobId'; Metadata = { @{ JobId = [guid]::Empty } }; Stream = 'Information' }
    ) {
        $r = Invoke-Job {
            param($dir, $url, $token, $metadata)
            if ($null -ne $metadata) { $PSPrivateMetadata = $metadata }
            $c = Connect-Synapse -BaseUrl $url -AccessToken $token -PassThru
            Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $c -ChunkSize 64KB -ThrottleLimit 2 -StatusIntervalSec 1 -NoResume
        } -ArgumentList $Dir, $Server.Url, $Token, (& $Metadata)

        $r.Errors | Should -BeNullOrEmpty
        $r.Output.Count | Should -Be 4
        $r.Output | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'SynapsePS.BatchUploadResult' }
        $onWarning = @($r.Warning | Where-Object { "$_" -match $StatusPattern })
        $onInformation = @($r.Information | Where-Object { $_.Tags -contains 'Status' -and "$($_.MessageData)" -match $StatusPattern })
        if ($Stream -eq 'Warning') {
            $onWarning.Count | Should -BeGreaterOrEqual 1
            $onInformation.Count | Should -Be 0 -Because 'Automation does not keep Information; the lines go to Warning instead'
        }
        else {
            $onInformation.Count | Should -BeGreaterOrEqual 1
            $r.Warning | Should -BeNullOrEmpty -Because 'outside a job nothing changes: no warnings without an outage'
        }
    }

    It '-StatusStream <Stream> names the stream explicitly, whatever the runspace' -ForEach @(
        @{ Stream = 'Output' }, @{ Stream = 'Verbose' }, @{ Stream = 'Information' }
    ) {
        $r = Invoke-Job {
            param($dir, $url, $token, $stream)
            $PSPrivateMetadata = @{ JobId = [guid]::NewGuid() }
            $VerbosePreference = 'Continue'
            $c = Connect-Synapse -BaseUrl $url -AccessToken $token -PassThru
            Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $c -ChunkSize 64KB -ThrottleLimit 2 -StatusIntervalSec 1 -NoResume -StatusStream $stream
        } -ArgumentList $Dir, $Server.Url, $Token, $Stream

        $r.Errors | Should -BeNullOrEmpty
        @($r.Output | Where-Object { $_ -is [SynapsePS.BatchUploadResult] }).Count | Should -Be 4
        $lines = switch ($Stream) {
            'Output' { @($r.Output | Where-Object { $_ -is [string] }) }
            'Verbose' { @($r.Verbose | ForEach-Object Message) }
            'Information' { @($r.Information | ForEach-Object { "$($_.MessageData)" }) }
        }
        @($lines | Where-Object { $_ -match $StatusPattern }).Count | Should -BeGreaterOrEqual 1
        @($r.Warning | Where-Object { "$_" -match $StatusPattern }).Count | Should -Be 0
    }
}

Describe '-MaxDurationSec' {
    It 'a batch of 200 files stops on time, says what it left, finishes nothing twice; the -SkipUploaded rerun completes every file once' {
        $dir = New-Batch 'budget' 200 (2 * 64KB)
        $md5 = @{}
        Get-ChildItem -LiteralPath $dir | ForEach-Object { $md5[$_.Name] = Get-Md5 $_.FullName }
        Reset-ServerLog $Server
        # 2 chunks at 100 ms a file on 4 lanes: about 10 s for all, so a 3 s budget ends mid-batch.
        Set-ServerFaults $Server @{ latencyMs = 100 }
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $summary = Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $Conn -ChunkSize 64KB -ThrottleLimit 4 `
                -TimeoutSec 10 -MaxDurationSec 3 -Summary -WarningVariable warn -ErrorVariable err
            $watch.Stop()
        }
        finally { Set-ServerFaults $Server @{} }

        # 3 s, a grace of 0.3 s, then at most one request timeout (10 s) for the cut to land.
        $watch.Elapsed.TotalSeconds | Should -BeLessThan (3 + 0.3 + 10)
        $err | Should -BeNullOrEmpty
        $summary.TimeBudgetReached | Should -BeTrue
        $summary.NotStarted | Should -BeGreaterThan 0
        $summary.Failed.Count | Should -Be 0
        ($summary.Successful + $summary.NotStarted + $summary.Interrupted) | Should -Be 200
        $ended = @($warn | Where-Object { "$_" -like 'TimeBudgetReached:*' })
        $ended.Count | Should -Be 1
        "$($ended[0])" | Should -Match "$($summary.NotStarted) files? not started and $($summary.Interrupted) uploads? in flight cut"

        $uploads = Get-UploadsByName $Server
        $finishes = @(Get-ServerRequests $Server | Where-Object method -EQ 'POST')
        foreach ($name in $md5.Keys | Where-Object { $uploads.ContainsKey($_) }) {
            $uploads[$name].Count | Should -Be 1 -Because "$name was uploaded once"
            $u = $uploads[$name][0]
            if ($u.status -eq 'complete') { $u.md5OfStoredBytes | Should -Be $md5[$name] }
            elseif (@($finishes | Where-Object uploadId -EQ $u.id)) {
                # A finish cut on its way: sent only once the server held every byte, never for a partial upload.
                $u.offset | Should -Be (Get-Item -LiteralPath (Join-Path $dir $name)).Length -Because 'a partial upload is never finished'
            }
        }
        @($md5.Keys | Where-Object { $uploads.ContainsKey($_) -and $uploads[$_][0].status -eq 'complete' }).Count | Should -Be $summary.Successful

        $rerun = Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $Conn -ChunkSize 64KB -ThrottleLimit 4 -SkipUploaded -Summary -WarningVariable warnAgain
        $rerun.Failed.Count | Should -Be 0
        $rerun.Skipped | Should -Be $summary.Successful
        $rerun.Successful | Should -Be (200 - $summary.Successful)
        $rerun.TimeBudgetReached | Should -BeFalse
        $warnAgain | Should -BeNullOrEmpty
        $uploads = Get-UploadsByName $Server
        foreach ($name in $md5.Keys) {
            $uploads[$name].Count | Should -Be 1 -Because "$name has one upload, resumed or new"
            $uploads[$name][0].status | Should -Be 'complete'
            $uploads[$name][0].md5OfStoredBytes | Should -Be $md5[$name]
        }
    }

    It 'Send with a budget shorter than its file cuts the upload, and the rerun resumes it from the server''s offset' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'long.bin') -Length (40 * 64KB + 5) -Seed 9
        Set-ServerFaults $Server @{ latencyMs = 100 }
        try {
            $out = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $Conn -ChunkSize 64KB -MaxDurationSec 1 -WarningVariable warn -ErrorVariable err
        }
        finally { Set-ServerFaults $Server @{} }

        $out | Should -BeNullOrEmpty
        $err | Should -BeNullOrEmpty
        @($warn).Count | Should -Be 1
        "$($warn[0])" | Should -Match '^TimeBudgetReached: .*0 files not started and 1 upload in flight cut'
        $cut = @(Get-ServerUpload -Server $Server | Where-Object filename -EQ $file.Name)
        $cut.Count | Should -Be 1
        $cut[0].status | Should -Be 'uploading'
        $cut[0].offset | Should -BeGreaterThan 0
        @(Get-ServerRequests $Server | Where-Object { $_.method -eq 'POST' -and $_.uploadId -eq $cut[0].id }) | Should -BeNullOrEmpty

        $done = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $Conn -ChunkSize 64KB
        $done.Resumed | Should -BeTrue
        $done.ResumedFromOffset | Should -BeGreaterOrEqual $cut[0].offset
        $done.Id | Should -Be $cut[0].id
        $stored = @(Get-ServerUpload -Server $Server | Where-Object filename -EQ $file.Name)
        $stored.Count | Should -Be 1
        $stored[0].status | Should -Be 'complete'
        $stored[0].md5OfStoredBytes | Should -Be (Get-Md5 $file.FullName)
    }
}

Describe 'Two jobs in one process' {
    It 'each with its own connection, token and state folder: each server sees only its own token, neither sees the other''s status, outage or state' {
        $otherToken = 'other-token-' + [guid]::NewGuid().ToString('N')
        $other = Start-SynapseDevServer -ArgumentList '--token', $otherToken
        try {
            $dirA = New-Batch 'job-a' 8 (3 * 64KB)
            $dirB = New-Batch 'job-b' 4 (6 * 64KB)
            $stateA = Join-Path $TestDrive 'state-a'; $stateB = Join-Path $TestDrive 'state-b'
            Reset-ServerLog $Server
            Set-ServerFaults $Server @{ latencyMs = 150 }
            Set-ServerFaults $other @{ latencyMs = 150 }
            $job = {
                param($dir, $url, $token, $state)
                $PSPrivateMetadata = @{ JobId = [guid]::NewGuid() }
                Connect-Synapse -BaseUrl $url -AccessToken $token
                Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -ChunkSize 64KB -ThrottleLimit 2 -StatusIntervalSec 1 -MaxRetries 0 -RetryDelaySec 0.05 -OutageTimeoutSec 60 -SkipUploaded -StateDirectory $state
            }
            $a = New-ModuleRunspace $job -ArgumentList $dirA, $Server.Url, $Token, $stateA
            $b = New-ModuleRunspace $job -ArgumentList $dirB, $other.Url, $otherToken, $stateB
            try {
                $runA = $a.BeginInvoke(); $runB = $b.BeginInvoke()
                # Once B's server has answered, it refuses everything for 2 s: B rides out an outage, A must not hear of it.
                Wait-Until { @(Get-ServerUpload -Server $other).Count -ge 1 } | Should -BeTrue
                Set-ServerFaults $other @{ latencyMs = 150; refuseStatus = 503; refuseSeconds = 2 }
                $outA = @($a.EndInvoke($runA)); $outB = @($b.EndInvoke($runB))
                $warnA = @($a.Streams.Warning | ForEach-Object { "$_" }); $warnB = @($b.Streams.Warning | ForEach-Object { "$_" })
                $errA = @($a.Streams.Error); $errB = @($b.Streams.Error)
            }
            finally { Remove-ModuleRunspace $a; Remove-ModuleRunspace $b }
        }
        finally {
            Set-ServerFaults $Server @{}
            $logB = @(Get-ServerRequests $other); $uploadsB = @(Get-ServerUpload -Server $other)
            $other | Stop-SynapseDevServer
        }

        $errA + $errB | Should -BeNullOrEmpty
        @($outA | Where-Object { -not $_.Error }).Count | Should -Be 8
        @($outB | Where-Object { -not $_.Error }).Count | Should -Be 4
        $uploadsA = @(Get-ServerUpload -Server $Server | Where-Object { $_.filename -in (Get-ChildItem -LiteralPath $dirA).Name })
        $uploadsA.Count | Should -Be 8
        $uploadsA.owner | Sort-Object -Unique | Should -Be $Token
        $uploadsB.Count | Should -Be 4
        $uploadsB.owner | Sort-Object -Unique | Should -Be $otherToken
        @(Get-ServerRequests $Server | Where-Object status -EQ 401) | Should -BeNullOrEmpty -Because 'no request reached A with B''s token'
        @($logB | Where-Object status -EQ 401) | Should -BeNullOrEmpty -Because 'no request reached B with A''s token'
        @($logB | Where-Object status -EQ 503).Count | Should -BeGreaterThan 0 -Because 'B met its outage'

        @($warnB | Where-Object { $_ -match 'has not answered since' }).Count | Should -Be 1
        @($warnB | Where-Object { $_ -match 'is back after' }).Count | Should -Be 1
        @($warnA | Where-Object { $_ -match 'has not answered|is back after' }) | Should -BeNullOrEmpty
        @($warnA | Where-Object { $_ -match $StatusPattern }).Count | Should -BeGreaterOrEqual 1
        # Each job's ledger is in its own state folder and names its own files and server only.
        $ledgerA = @(Get-SynapseUploadJournal -Completed -StateDirectory $stateA)
        $ledgerB = @(Get-SynapseUploadJournal -Completed -StateDirectory $stateB)
        $ledgerA.Count | Should -Be 8
        $ledgerB.Count | Should -Be 4
        @($ledgerA | Where-Object { (Split-Path $_.FullName -Parent) -ne $dirA }) | Should -BeNullOrEmpty
        @($ledgerB | Where-Object { (Split-Path $_.FullName -Parent) -ne $dirB }) | Should -BeNullOrEmpty
        # A's status lines count A's files only: never more than its 8.
        foreach ($line in $warnA -match $StatusPattern) { [int]($line -replace '^\S+ (\d+) .*', '$1') | Should -BeLessOrEqual 8 }
    }
}

Describe 'A batch too large for a job''s 1 MiB stream' {
    It 'streams 10,000 per-file results to a CSV and puts one summary on Output' {
        $dir = Join-Path $TestDrive 'many'
        $null = New-Item -ItemType Directory -Path $dir
        foreach ($i in 1..10000) { [IO.File]::WriteAllText((Join-Path $dir ('m{0:00000}.txt' -f $i)), "file $i") }
        $bad = Join-Path $dir 'm00000-empty.txt'
        $null = New-Item -ItemType File -Path $bad
        $csv = Join-Path $TestDrive 'results.csv'

        # The pattern of about_SynapsePS: rows to the CSV as files settle, then a summary read back from it.
        Invoke-SynapseBatchUpload -LiteralPath $dir -Recurse -Connection $Conn -ThrottleLimit 8 -ErrorAction SilentlyContinue -ErrorVariable err |
            Select-Object FullName, Status, Length, Id, Md5, ErrorId, Reason |
            Export-Csv -LiteralPath $csv -NoTypeInformation
        $summary = Import-Csv -LiteralPath $csv | ForEach-Object -Begin { $n = [ordered]@{ Files = 0 } } -Process {
            $n.Files++
            $n[$_.Status] = 1 + [int]$n[$_.Status]
        } -End { [pscustomobject]$n }

        $summary.Files | Should -Be 10001
        $summary.Succeeded | Should -Be 10000
        $summary.Failed | Should -Be 1
        @($err).Count | Should -Be 1 -Because 'the failed file also has its error record'
        $rows = Import-Csv -LiteralPath $csv
        ($rows | Where-Object ErrorId -EQ 'EmptyFile').FullName | Should -Be $bad
        @($rows.FullName | Sort-Object -Unique).Count | Should -Be 10001
        @(Get-ServerUpload -Server $Server | Where-Object { $_.filename -like 'm?????.txt' -and $_.status -eq 'complete' }).Count | Should -Be 10000
    }
}
