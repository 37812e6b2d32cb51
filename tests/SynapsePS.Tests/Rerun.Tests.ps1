# Rerunnable batches: the completed-uploads ledger, -SkipUploaded, recovering a finish that was never recorded,
# and the commands that show and reset what this machine remembers.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession rerun

    # Requests whose upload id is one of -Ids (PUT to its url or the finishing POST).
    function Get-RequestsFor($Server, [string[]] $Ids) { @(Get-ServerRequests $Server | Where-Object { $_.uploadId -in $Ids }) }

    function Get-CompletedOn($Server, [string] $Name) { @(Get-ServerUpload -Server $Server | Where-Object { $_.filename -eq $Name -and $_.status -eq 'complete' }) }

    # The file's one server holds every test's uploads: the ones of these file names (each test's are its own).
    function Get-UploadsOf([string[]] $Names) { @(Get-ServerUpload -Server $Server | Where-Object filename -In $Names) }

    # Starts an upload of -Path in its own runspace and stops it once its journal is surely written: the server
    # holding the second chunk means the client had the first chunk's answer. Returns whether it got that far.
    function Stop-UploadAfterJournal([string] $Path) {
        $ps = New-ModuleRunspace { param($p, $c) Send-SynapseChunkedUpload -LiteralPath $p -Connection $c -ChunkSize 64KB } -ArgumentList $Path, $Conn
        try {
            $null = $ps.BeginInvoke()
            $started = Wait-Until -TimeoutSec 30 { @(Get-UploadsOf (Split-Path $Path -Leaf) | Where-Object { $_.offset -ge 128KB }).Count -gt 0 }
            $ps.Stop()
            $started
        }
        finally { Remove-ModuleRunspace $ps }
    }
}
AfterAll { Complete-TestSession $Server }

Describe 'A batch killed part-way, rerun with -SkipUploaded' {
    It 'skips what finished, resumes what was in flight, uploads the rest: one complete upload per file, nothing sent twice' {
        Set-ServerFaults $Server @{ latencyMs = 60 }
        $first = $null
        try {
            $dir = Join-Path $TestDrive 'killed-batch'
            $files = 1..24 | ForEach-Object { New-TestFile -Path (Join-Path $dir ("f{0:00}.bin" -f $_)) -Length (3 * 64KB + $_) -Seed $_ }
            $state = Join-Path $TestDrive 'killed-state'
            $script = Join-Path $TestDrive 'batch.ps1'
            Set-Content -LiteralPath $script -Value @"
Import-Module '$env:SYNAPSEPS_MODULE'
Connect-Synapse -BaseUrl '$($Server.Url)' -AccessToken '$Token'
Get-ChildItem -LiteralPath '$dir' | Invoke-SynapseBatchUpload -ThrottleLimit 2 -ChunkSize 64KB -SkipUploaded | ForEach-Object { 'DONE ' + `$_.Name + '|' + `$_.Id }
"@
            $first = Start-ChildPwsh -ScriptPath $script -Environment @{ SYNAPSEPS_STATE_DIR = $state }
            (Wait-Until -TimeoutSec 60 -IntervalMs 50 { @(Get-UploadsOf $files.Name | Where-Object status -EQ 'complete').Count -ge 6 }) | Should -BeTrue
            Stop-Process -Id $first.Id -Force
            $first.WaitForExit(10000) | Should -BeTrue
            $done = @(Get-UploadsOf $files.Name | Where-Object status -EQ 'complete')
            $done.Count | Should -BeLessThan $files.Count -Because 'the kill came part-way'

            Reset-ServerLog $Server
            $env:SYNAPSEPS_STATE_DIR = $state
            $c = $Conn
            $rerun = @(Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $c -ThrottleLimit 2 -ChunkSize 64KB -SkipUploaded)

            $rerun | Should -HaveCount $files.Count
            @($rerun | Where-Object Status -EQ 'Failed') | Should -HaveCount 0
            $skipped = @($rerun | Where-Object Skipped)
            $skipped.Count | Should -BeGreaterOrEqual 4 -Because 'the files that finished before the kill, bar those (one per lane at most) whose ledger write the kill cut'
            foreach ($s in $skipped) {
                $s.Status | Should -Be 'Skipped'
                $s.Upload.BytesSent | Should -Be 0
                $s.Id | Should -BeIn $done.id -Because 'a skipped file returns its first-run id'
                $s.Md5 | Should -Be (Get-Md5 $s.FullName)
            }
            Get-RequestsFor $Server $skipped.Id | Should -HaveCount 0 -Because 'a skipped file sends no request'
            foreach ($f in $files) {
                $complete = Get-CompletedOn $Server $f.Name
                $complete | Should -HaveCount 1 -Because "$($f.Name) must have exactly one complete upload"
                $complete[0].md5OfStoredBytes | Should -Be (Get-Md5 $f.FullName)
                ($rerun | Where-Object Name -EQ $f.Name).Id | Should -Be $complete[0].id
            }
            # A file whose first chunk was in flight at the kill never learnt its upload's id (the answer never came),
            # so that partial upload stays orphaned on the server: one per lane at most. Every other file in flight
            # resumed its own upload.
            @(Get-UploadsOf $files.Name | Where-Object status -NE 'complete').Count | Should -BeLessOrEqual 2

            Reset-ServerLog $Server
            $third = @(Get-ChildItem -LiteralPath $dir | Invoke-SynapseBatchUpload -Connection $c -SkipUploaded)
            @($third | Where-Object Skipped) | Should -HaveCount $files.Count
            @(Get-ServerRequests $Server) | Should -HaveCount 0 -Because 'a rerun of a finished batch sends nothing'
        }
        finally {
            Stop-ChildPwsh $first
            Set-ServerFaults $Server @{}
            $env:SYNAPSEPS_STATE_DIR = Join-Path $TestDrive 'state'
        }
    }
}

Describe 'The completed-uploads ledger' {
    BeforeEach {
        $env:SYNAPSEPS_STATE_DIR = Join-Path $TestDrive ('state-' + [guid]::NewGuid().ToString('N'))
    }

    It 'is written with or without -SkipUploaded, holds no token, and without the switch every call uploads anew' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'ledger-a.bin') -Length 5000 -Seed 1
        $r1 = $file | Send-SynapseChunkedUpload -Connection $Conn
        $entry = @(Get-SynapseUploadJournal -Completed)
        $entry | Should -HaveCount 1
        $entry[0].PSObject.TypeNames[0] | Should -Be 'SynapsePS.CompletedUpload'
        $entry[0].FullName | Should -Be $file.FullName
        $entry[0].Id | Should -Be $r1.Id
        $entry[0].Md5 | Should -Be $r1.Md5
        $entry[0].Length | Should -Be 5000
        $entry[0].BaseUrl.AbsoluteUri | Should -Be $Server.Url
        Get-ChildItem -LiteralPath $env:SYNAPSEPS_STATE_DIR -Recurse -File | ForEach-Object { Get-Content -LiteralPath $_.FullName -Raw | Should -Not -Match $Token }

        $r2 = $file | Send-SynapseChunkedUpload -Connection $Conn
        $r2.Id | Should -Not -Be $r1.Id -Because 'without -SkipUploaded the behaviour is the Python SDK''s'
        $r3 = $file | Send-SynapseChunkedUpload -Connection $Conn -SkipUploaded
        $r3.Skipped | Should -BeTrue
        $r3.Id | Should -Be $r2.Id -Because 'the ledger keeps the latest upload of the file'
        $r3.BytesSent | Should -Be 0
        $r3.Status | Should -Be 'Complete'
    }

    It 'uploads a file again when its <Change> changed, and replaces its entry' -ForEach @(
        @{ Change = 'length' }
        @{ Change = 'last-write time' }
    ) {
        $file = New-TestFile -Path (Join-Path $TestDrive "changed-$($Change -replace ' ').bin") -Length 3000 -Seed 2
        $first = $file | Send-SynapseChunkedUpload -Connection $Conn -SkipUploaded
        if ($Change -eq 'length') { [IO.File]::AppendAllText($file.FullName, 'more') }
        else { $file.LastWriteTimeUtc = $file.LastWriteTimeUtc.AddMinutes(-5) }
        Reset-ServerLog $Server
        $second = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $Conn -SkipUploaded
        $second.Skipped | Should -BeFalse
        $second.Id | Should -Not -Be $first.Id
        $second.Md5 | Should -Be (Get-Md5 $file.FullName)
        @(Get-ServerRequests $Server | Where-Object method -EQ 'POST') | Should -HaveCount 1
        (Get-SynapseUploadJournal -Completed -Path $file.FullName).Id | Should -Be $second.Id
    }

    It 'ignores a <Damage> entry with a warning and uploads that file again; the batch goes on' -ForEach @(
        @{ Damage = 'truncated'; Write = { param($p) $t = Get-Content -LiteralPath $p -Raw; Set-Content -LiteralPath $p -Value $t.Substring(0, [int]($t.Length / 2)) -NoNewline } }
        @{ Damage = 'garbage'; Write = { param($p) [IO.File]::WriteAllBytes($p, [byte[]](0..255)) } }
    ) {
        $a = New-TestFile -Path (Join-Path $TestDrive "damaged-$Damage-a.bin") -Length 2000 -Seed 3
        $b = New-TestFile -Path (Join-Path $TestDrive "damaged-$Damage-b.bin") -Length 2000 -Seed 4
        $null = $a, $b | Invoke-SynapseBatchUpload -Connection $Conn
        $entries = @(Get-ChildItem -LiteralPath (Join-Path $env:SYNAPSEPS_STATE_DIR 'completed') -Recurse -File)
        $entries | Should -HaveCount 2
        $victim = $entries | Where-Object { (Get-Content -LiteralPath $_.FullName -Raw) -match [regex]::Escape(($a.FullName | ConvertTo-Json).Trim('"')) }
        & $Write $victim.FullName

        $out = @($a, $b | Invoke-SynapseBatchUpload -Connection $Conn -SkipUploaded -WarningVariable warnings -WarningAction SilentlyContinue)
        $out | Should -HaveCount 2
        ($out | Where-Object Name -EQ $a.Name).Skipped | Should -BeFalse -Because 'a damaged entry counts as absent'
        ($out | Where-Object Name -EQ $a.Name).Status | Should -Be 'Succeeded'
        ($out | Where-Object Name -EQ $b.Name).Skipped | Should -BeTrue
        ($warnings -join "`n") | Should -Match 'ledger|damaged|unreadable|cannot be read'
        (Get-SynapseUploadJournal -Completed -Path $a.FullName).Md5 | Should -Be (Get-Md5 $a.FullName) -Because 'the entry is written anew'
    }

    It 'stays whole when two processes write it at once over overlapping files' {
        $dir = Join-Path $TestDrive 'overlap'
        $all = 1..30 | ForEach-Object { New-TestFile -Path (Join-Path $dir ("o{0:00}.bin" -f $_)) -Length (1000 + $_) -Seed $_ }
        $state = $env:SYNAPSEPS_STATE_DIR
        $children = foreach ($range in @(@(0, 19), @(10, 29))) {
            $list = Join-Path $TestDrive "list-$($range[0]).txt"
            $all[$range[0]..$range[1]].FullName | Set-Content -LiteralPath $list
            $script = Join-Path $TestDrive "overlap-$($range[0]).ps1"
            Set-Content -LiteralPath $script -Value @"
Import-Module '$env:SYNAPSEPS_MODULE'
Connect-Synapse -BaseUrl '$($Server.Url)' -AccessToken '$Token'
Get-Content -LiteralPath '$list' | Invoke-SynapseBatchUpload -ThrottleLimit 4 | Where-Object Status -NE 'Succeeded' | ForEach-Object { 'FAILED ' + `$_.Name }
'EXIT'
"@
            Start-ChildPwsh -ScriptPath $script -Environment @{ SYNAPSEPS_STATE_DIR = $state }
        }
        foreach ($p in $children) {
            $p.WaitForExit(120000) | Should -BeTrue
            $p.OutTask.Result | Should -Match 'EXIT' -Because $p.ErrTask.Result
            $p.OutTask.Result | Should -Not -Match 'FAILED'
        }
        $entries = @(Get-SynapseUploadJournal -Completed -WarningVariable warnings)
        $warnings | Should -HaveCount 0 -Because 'no entry may be damaged'
        $entries | Should -HaveCount 30
        foreach ($e in $entries) {
            $e.Md5 | Should -Be (Get-Md5 $e.FullName)
            (Get-ServerUpload -Server $Server -Id $e.Id).status | Should -Be 'complete'
        }
        Reset-ServerLog $Server
        @($all | Invoke-SynapseBatchUpload -Connection $Conn -SkipUploaded | Where-Object Skipped) | Should -HaveCount 30
        @(Get-ServerRequests $Server) | Should -HaveCount 0
    }
}

Describe 'An upload the server finished but this machine never recorded' {
    It 'is recognised from its journal on the rerun, recorded, and returned without a request that changes anything' {
        Set-ServerFaults $Server @{ latencyMs = 300 }
        try {
            $env:SYNAPSEPS_STATE_DIR = Join-Path $TestDrive 'recover-state'
            $file = New-TestFile -Path (Join-Path $TestDrive 'recover.bin') -Length (6 * 64KB) -Seed 9
            $c = $Conn
            # An interrupted upload leaves its journal: keep a copy of it.
            Stop-UploadAfterJournal $file.FullName | Should -BeTrue
            $journal = @(Get-ChildItem -LiteralPath $env:SYNAPSEPS_STATE_DIR -Filter *.json -File)
            $journal | Should -HaveCount 1
            $saved = Get-Content -LiteralPath $journal[0].FullName -Raw

            # The rerun finishes it; then put back the state of a process killed between the server's "complete"
            # and its ledger write: the journal present, the ledger entry absent.
            $finished = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c -ChunkSize 64KB
            $finished.Resumed | Should -BeTrue
            Get-SynapseUploadJournal -Completed | Remove-SynapseUploadJournal
            @(Get-SynapseUploadJournal -Completed) | Should -HaveCount 0
            Set-Content -LiteralPath $journal[0].FullName -Value $saved -NoNewline
            @(Get-SynapseUploadJournal) | Should -HaveCount 1

            Reset-ServerLog $Server
            $r = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c -ChunkSize 64KB
            $r.Id | Should -Be $finished.Id -Because 'the finished upload is this file''s result, never a second upload'
            $r.Md5 | Should -Be (Get-Md5 $file.FullName)
            $r.BytesSent | Should -Be 0
            @(Get-ServerRequests $Server | Where-Object method -In 'PUT', 'POST') | Should -HaveCount 0
            Get-UploadsOf $file.Name | Should -HaveCount 1
            (Get-SynapseUploadJournal -Completed).Id | Should -Be $finished.Id
            @(Get-SynapseUploadJournal) | Should -HaveCount 0 -Because 'the journal goes once the upload is recorded'
        }
        finally { Set-ServerFaults $Server @{} }
    }
}

Describe 'Get-SynapseUploadJournal and Remove-SynapseUploadJournal' {
    It 'shows an interrupted upload, and removing it makes the rerun start anew' {
        Set-ServerFaults $Server @{ latencyMs = 300 }
        try {
            $env:SYNAPSEPS_STATE_DIR = Join-Path $TestDrive 'journal-state'
            $file = New-TestFile -Path (Join-Path $TestDrive 'pending [1].bin') -Length (8 * 64KB) -Seed 5
            $c = $Conn
            Stop-UploadAfterJournal $file.FullName | Should -BeTrue
            $upload = @(Get-UploadsOf $file.Name)[0]

            $pending = @(Get-SynapseUploadJournal)
            $pending | Should -HaveCount 1
            $pending[0].PSObject.TypeNames[0] | Should -Be 'SynapsePS.PendingUpload'
            $pending[0].FullName | Should -Be $file.FullName
            $pending[0].UploadId | Should -Be $upload.id
            $pending[0].Offset | Should -BeGreaterThan 0
            $pending[0].Length | Should -Be $file.Length
            $pending[0].PercentComplete | Should -BeGreaterThan 0
            $pending[0].LastActivity | Should -BeGreaterThan ([datetime]::UtcNow.AddMinutes(-5))
            @(Get-SynapseUploadJournal -Path (Join-Path $TestDrive 'pending*')) | Should -HaveCount 1
            @(Get-SynapseUploadJournal -Path (Join-Path $TestDrive 'other*')) | Should -HaveCount 0
            ($pending | Format-Table | Out-String) | Should -Match 'pending \[1\]\.bin'

            Get-SynapseUploadJournal | Remove-SynapseUploadJournal -WhatIf
            @(Get-SynapseUploadJournal) | Should -HaveCount 1 -Because '-WhatIf removes nothing'
            Get-SynapseUploadJournal | Remove-SynapseUploadJournal
            @(Get-SynapseUploadJournal) | Should -HaveCount 0

            Set-ServerFaults $Server @{}
            $r = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c -ChunkSize 64KB
            $r.Resumed | Should -BeFalse
            $r.Id | Should -Not -Be $upload.id
            $r.BytesSent | Should -Be $file.Length
        }
        finally { Set-ServerFaults $Server @{} }
    }
}
