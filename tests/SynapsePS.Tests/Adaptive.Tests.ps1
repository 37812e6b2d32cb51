# Invoke-SynapseBatchUpload without -ThrottleLimit: the batch finds how many files upload at once. One dev server
# for the file; each test makes it far away (latency) or gives it a capacity at run time.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession adaptive

    function script:New-Files([string] $Name, [int] $Count) {
        $dir = Join-Path $TestDrive $Name
        # Names of the test's own: every test uploads to the one server, and files are told apart there by name.
        foreach ($n in 1..$Count) { $null = New-TestFile -Path (Join-Path $dir ('{0}-{1:000}.bin' -f $Name, $n)) -Length (1024 + $n) -Seed $n }
        $dir
    }

    function script:Get-Inflight { Invoke-SynapseDevApi -Server $Server -Path inflight }

    function script:Assert-AllVerified([string] $Dir) {
        # Every file has one complete upload on the server whose stored bytes have the file's MD5.
        $complete = @(Get-ServerUpload -Server $Server | Where-Object status -EQ 'complete')
        foreach ($f in Get-ChildItem -LiteralPath $Dir) {
            $mine = @($complete | Where-Object filename -EQ $f.Name)
            $mine | Should -HaveCount 1 -Because "$($f.Name) must have one complete upload"
            $mine[0].md5OfStoredBytes | Should -Be (Get-Md5 $f.FullName)
        }
    }
}
AfterAll { Complete-TestSession $Server }

Describe 'The batch finds its own pace' {
    BeforeEach { Reset-ServerLog $Server }
    AfterEach { Set-ServerFaults $Server @{} }

    It 'runs more than 3 at once against a server far away, says so in the bar, the status line and the summary, and verifies every file' {
        Set-ServerFaults $Server @{ latencyMs = 50 }
        $dir = New-Files 'far' 240
        $run = Invoke-InModuleRunspace -ShowProgress {
            param($dir, $conn)
            Invoke-SynapseBatchUpload -LiteralPath $dir -Recurse -Connection $conn -ChunkSize 64KB -Summary -StatusIntervalSec 1
        } -ArgumentList $dir, $Conn

        $summary = $run.Output[0]
        $summary.Successful | Should -Be 240
        $summary.Failed | Should -HaveCount 0
        $most = (Get-Inflight).most
        $most | Should -BeGreaterThan 3 -Because 'the server saw more requests at once than the old default of 3 uploads'
        $summary.HighestConcurrency | Should -BeGreaterThan 3
        $summary.HighestConcurrency | Should -BeLessOrEqual 64
        $summary.FinalConcurrency | Should -BeGreaterThan 3
        @($run.Progress | Where-Object { $_.ActivityId -eq 1 -and $_.Activity -match ', \d+ at once$' }) | Should -Not -BeNullOrEmpty
        @($run.Information | Where-Object { "$($_.MessageData)" -match 'in flight, \d+ at once\)' }) | Should -Not -BeNullOrEmpty
        Assert-AllVerified $dir
    }

    It 'fails no file against a server with a capacity, and brings the count down after its refusals' {
        Set-ServerFaults $Server @{ latencyMs = 50; maxInflight = 5 }
        $dir = New-Files 'capacity' 300
        $verbose = $null
        $summary = Invoke-SynapseBatchUpload -LiteralPath $dir -Recurse -Connection $Conn -ChunkSize 64KB -RetryDelaySec 0.2 -Summary -Verbose 4>&1 |
            Tee-Object -Variable verbose | Where-Object { $_ -is [SynapsePS.BatchUploadSummary] }

        $summary.Successful | Should -Be 300
        $summary.Failed | Should -HaveCount 0
        $inflight = Get-Inflight
        $inflight.refused | Should -BeGreaterThan 0 -Because 'the batch climbed past the capacity at least once'
        $lines = @($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'Uploads at once:*' } | ForEach-Object Message)
        $down = @($lines | Where-Object { $_ -match '^Uploads at once: (\d+) → (\d+): the server answered 503\.$' -and [int]$Matches[2] -lt [int]$Matches[1] })
        $down | Should -Not -BeNullOrEmpty -Because "the count comes down after a refusal; the lines were:`n$($lines -join "`n")"
        $summary.FinalConcurrency | Should -BeLessOrEqual 5
        Assert-AllVerified $dir
    }

    It '-ThrottleLimit <N> never runs more than <N> at once and never changes the count' -ForEach @(@{ N = 1 }, @{ N = 2 }) {
        Set-ServerFaults $Server @{ latencyMs = 50 }
        $dir = New-Files "pinned-$N" 40
        $verbose = $null
        $summary = Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $Conn -ThrottleLimit $N -ChunkSize 64KB -Summary -Verbose 4>&1 |
            Tee-Object -Variable verbose | Where-Object { $_ -is [SynapsePS.BatchUploadSummary] }

        $summary.Successful | Should -Be 40
        (Get-Inflight).most | Should -BeLessOrEqual $N
        (Get-Inflight).most | Should -Be $N -Because 'the guard above must have something to count'
        $summary.HighestConcurrency | Should -Be $N
        $summary.FinalConcurrency | Should -Be $N
        @($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'Uploads at once:*' }) | Should -HaveCount 0
    }
}
