# Invoke-SynapseBatchUpload -Recurse: the engine walks the folders. Exactly the expected files are uploaded, each
# once, and each is checked on the server.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession folders

    # Every name below is unique across the tree, so the server's records can be told apart by file name.
    $script:Tree = Join-Path $TestDrive 'tree'
    $script:Outside = Join-Path $TestDrive 'outside'
    $seed = 0
    foreach ($name in 'top.bin', 'nested/a/deep.bin', 'nested/a/b/deeper.bin', 'nested/c/other.bin', 'odd [dir]/name [1] with space.bin',
        '.hidden.bin', '.hidden-dir/inside-hidden.bin', 'pics/a.jpg', 'pics/b.PNG', 'pics/c.txt', 'pics/skip.jpg') {
        $null = New-TestFile -Path (Join-Path $Tree $name) -Length (500 + $seed) -Seed (++$seed)
    }
    1..12 | ForEach-Object { $null = New-TestFile -Path (Join-Path $Tree ('flat/f{0:00}.bin' -f $_)) -Length 512 -Seed (100 + $_) }
    $null = New-TestFile -Path (Join-Path $Outside 'behind-folder-link.bin') -Length 700 -Seed 200
    $script:LinkTarget = New-TestFile -Path (Join-Path $Outside 'link-target.bin') -Length 3000 -Seed 201
    $script:Links = -not $IsWindows
    if ($Links) {
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $Tree 'folder-link') -Target $Outside
        $null = New-Item -ItemType SymbolicLink -Path (Join-Path $Tree 'file-link.bin') -Target $LinkTarget.FullName
    }

    function Get-TreeFile([string[]] $Relative) { foreach ($r in $Relative) { Join-Path $Tree $r } }

    # Runs the batch and checks the server: the results are exactly -Expected (full paths), each file has exactly
    # one new upload, complete, holding the bytes the path reads. Returns the results.
    function Invoke-Checked([hashtable] $Parameters, [string[]] $Expected) {
        $before = @(Get-ServerUpload -Server $Server).id
        $results = @(Invoke-SynapseBatchUpload @Parameters -Recurse -Connection $Conn -ThrottleLimit 4)
        ($results.FullName | Sort-Object) | Should -Be ($Expected | Sort-Object)
        @($results | Where-Object Status -NE 'Succeeded') | Should -HaveCount 0
        $new = @(Get-ServerUpload -Server $Server | Where-Object id -NotIn $before)
        $new | Should -HaveCount $Expected.Count -Because 'each file is uploaded once'
        foreach ($path in $Expected) {
            $mine = @($new | Where-Object filename -EQ (Split-Path $path -Leaf))
            $mine | Should -HaveCount 1 -Because "$path must be uploaded exactly once"
            $mine[0].status | Should -Be 'complete'
            $mine[0].md5OfStoredBytes | Should -Be (Get-Md5 $path)
        }
        $results
    }

    $script:Visible = Get-TreeFile 'top.bin', 'nested/a/deep.bin', 'nested/a/b/deeper.bin', 'nested/c/other.bin',
        'odd [dir]/name [1] with space.bin', 'pics/a.jpg', 'pics/b.PNG', 'pics/c.txt', 'pics/skip.jpg'
    $script:Visible += 1..12 | ForEach-Object { Join-Path $Tree ('flat/f{0:00}.bin' -f $_) }
    if ($Links) { $script:Visible += Join-Path $Tree 'file-link.bin' }
}
AfterAll { Complete-TestSession $Server }

Describe 'Invoke-SynapseBatchUpload -Recurse' {
    It 'uploads every file of nested and flat folders, a file link''s target, nothing behind a folder link, no hidden file' {
        $results = Invoke-Checked @{ LiteralPath = $Tree } $Visible
        if ($Links) {
            ($results | Where-Object Name -EQ 'file-link.bin').Length | Should -Be 3000 -Because 'a file link uploads its target''s bytes'
        }
        $results.FullName | Should -Not -Contain (Join-Path $Tree 'folder-link/behind-folder-link.bin')
    }

    It '-Force adds hidden files and hidden folders' {
        $hidden = Get-TreeFile '.hidden.bin', '.hidden-dir/inside-hidden.bin'
        $null = Invoke-Checked @{ LiteralPath = $Tree; Force = $true } ($Visible + $hidden)
    }

    It '-Include and -Exclude take file names as Get-ChildItem does (case-insensitive, exclude wins)' {
        $expected = Get-ChildItem -LiteralPath (Join-Path $Tree 'pics') -Recurse -File -Include '*.jpg', '*.png' -Exclude 'skip*'
        $expected.Name | Sort-Object | Should -Be @('a.jpg', 'b.PNG')
        $null = Invoke-Checked @{ LiteralPath = (Join-Path $Tree 'pics'); Include = '*.jpg', '*.png'; Exclude = 'skip*' } $expected.FullName
    }

    It 'takes a folder and a file with [ ] and spaces literally' {
        $null = Invoke-Checked @{ LiteralPath = (Join-Path $Tree 'odd [dir]') } (Get-TreeFile 'odd [dir]/name [1] with space.bin')
    }

    It 'uploads a file reached through several paths (wildcards, a folder inside another, the file itself) once' {
        $paths = (Join-Path $Tree 'nest*'), (Join-Path $Tree 'nested/a'), (Join-Path $Tree 'nested/a/deep.bin')
        $null = Invoke-Checked @{ Path = $paths } (Get-TreeFile 'nested/a/deep.bin', 'nested/a/b/deeper.bin', 'nested/c/other.bin')
    }

    It 'still refuses a folder without -Recurse' {
        $r = Invoke-SynapseBatchUpload -LiteralPath $Tree -Connection $Conn -ErrorVariable err -ErrorAction SilentlyContinue
        $r.Status | Should -Be 'Failed'
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NotAFile,*'
    }

    It 'reports a folder that cannot be read by name, as FolderUnreadable, and uploads the rest' {
        if ($IsWindows) { Set-ItResult -Skipped -Because 'the path-length limit differs on Windows'; return }
        # A folder whose full path is longer than the system allows (PATH_MAX) cannot be opened, by root either.
        $root = Join-Path $TestDrive 'deep'
        $readable = New-TestFile -Path (Join-Path $root 'readable.bin') -Length 600 -Seed 300
        $segment = 'd' * 250
        bash -c "cd '$root' && for i in `$(seq 1 17); do mkdir $segment && cd $segment; done && head -c 100 /dev/urandom > lost.bin"
        $LASTEXITCODE | Should -Be 0
        try {
            $before = @(Get-ServerUpload -Server $Server).id
            $results = @(Invoke-SynapseBatchUpload -LiteralPath $root -Recurse -Connection $Conn -ErrorVariable err -ErrorAction SilentlyContinue)
            $results.FullName | Should -Be @($readable.FullName)
            @(Get-ServerUpload -Server $Server | Where-Object id -NotIn $before) | Should -HaveCount 1
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'FolderUnreadable,*'
            $err[0].CategoryInfo.Category | Should -Be 'ReadError'
            $err[0].TargetObject | Should -BeLike "$root/$segment/*"
            $err[0].TargetObject.Length | Should -BeGreaterThan 4000
            $err[0].Exception.Message | Should -Match ([regex]::Escape($err[0].TargetObject))
        }
        finally { /bin/rm -rf $root }
    }

    It '-WhatIf names each file and sends nothing' {
        Reset-ServerLog $Server
        # What-if lines go to the host: read them back from a transcript.
        $run = Get-HostText { Invoke-SynapseBatchUpload -LiteralPath (Join-Path $Tree 'nested') -Recurse -Connection $Conn -WhatIf }
        foreach ($name in 'deep.bin', 'deeper.bin', 'other.bin') { $run.Text | Should -Match "What if: .*$([regex]::Escape($name))" }
        ([regex]::Matches($run.Text, 'What if:')).Count | Should -Be 3
        $run.Output | Should -HaveCount 0
        @(Get-ServerRequests $Server) | Should -HaveCount 0
    }

    It 'shows the total in the overall bar once the count ends: N of TOTAL files, X of Y' {
        $run = Invoke-InModuleRunspace -ShowProgress {
            param($dir, $conn)
            Invoke-SynapseBatchUpload -LiteralPath $dir -Recurse -Connection $conn -ThrottleLimit 2
        } -ArgumentList (Join-Path $Tree 'flat'), $Conn
        $run.Output | Should -HaveCount 12
        $overall = @($run.Progress | Where-Object { $_.ActivityId -eq 1 -and $_.RecordType -eq 'Processing' })
        $withTotal = @($overall | Where-Object Activity -Match '^Uploading \d+ of 12 files, .+ of 6(\.0)? KB$')
        $withTotal | Should -Not -BeNullOrEmpty -Because 'the 12 files and their 6 KB are counted long before the uploads end'
        $withTotal[-1].SecondsRemaining | Should -BeGreaterOrEqual 0
        @($run.Progress | Where-Object { $_.ActivityId -eq 1 -and $_.RecordType -eq 'Completed' }) | Should -HaveCount 1
    }

    It 'writes the total in the status lines once the count ends: N of TOTAL files, X of Y, time left' {
        # Chunk answers delayed so that the batch outlasts the first interval by two seconds: 12 files on one lane, 250 ms each.
        Set-ServerFaults $Server @{ latencyMs = 250 }
        try {
            $run = Invoke-InModuleRunspace {
                param($dir, $conn)
                Invoke-SynapseBatchUpload -LiteralPath $dir -Recurse -Connection $conn -ThrottleLimit 1 -StatusIntervalSec 1
            } -ArgumentList (Join-Path $Tree 'flat'), $Conn
            $run.Output | Should -HaveCount 12
            $lines = @($run.Information | Where-Object { $_.Tags -contains 'SynapsePS' -and $_.Tags -contains 'Status' })
            $lines | Should -Not -BeNullOrEmpty -Because 'the batch runs for about three seconds with a line every second'
            $lines[0].MessageData | Should -Match '^\d\d:\d\d:\d\d \d+ of 12 files \(0 skipped, 0 failed, [01] in flight\), \d+\.\d of 6\.0 KiB, '
            @($lines | Where-Object { $_.MessageData -match ', (less than a minute|about \d+ min) left$' }) | Should -Not -BeNullOrEmpty -Because 'with a total and a rate there is a time left'
        }
        finally { Set-ServerFaults $Server @{} }
    }

    It 'keeps today''s bar without a total for piped input' {
        $run = Invoke-InModuleRunspace -ShowProgress {
            param($dir, $conn)
            Get-ChildItem -LiteralPath $dir -File | Invoke-SynapseBatchUpload -Connection $conn -ThrottleLimit 2
        } -ArgumentList (Join-Path $Tree 'flat'), $Conn
        $run.Output | Should -HaveCount 12
        $overall = @($run.Progress | Where-Object { $_.ActivityId -eq 1 -and $_.RecordType -eq 'Processing' })
        $overall | Should -Not -BeNullOrEmpty
        $overall.Activity | Should -Match '^Uploading \d+ of \d+ files$'
    }
}

Describe 'A -Recurse batch killed part-way, rerun with -SkipUploaded' {
    It 'ends with exactly one complete upload per file' {
        Set-ServerFaults $Server @{ latencyMs = 40 }
        $first = $null
        try {
            $dir = Join-Path $TestDrive 'killed'
            $files = 1..30 | ForEach-Object { New-TestFile -Path (Join-Path $dir ('part{0}/k{1:00}.bin' -f ($_ % 3), $_)) -Length (2 * 64KB + $_) -Seed (400 + $_) }
            # The file's one server holds the other tests' uploads too: these files' names are their own.
            function Get-Complete { @(Get-ServerUpload -Server $Server | Where-Object { $_.filename -in $files.Name -and $_.status -eq 'complete' }) }
            $state = Join-Path $TestDrive 'killed-state'
            $script = Join-Path $TestDrive 'killed.ps1'
            Set-Content -LiteralPath $script -Value @"
Import-Module '$env:SYNAPSEPS_MODULE'
Connect-Synapse -BaseUrl '$($Server.Url)' -AccessToken '$Token'
Invoke-SynapseBatchUpload -LiteralPath '$dir' -Recurse -ThrottleLimit 2 -ChunkSize 64KB -SkipUploaded | Out-Null
"@
            $first = Start-ChildPwsh -ScriptPath $script -Environment @{ SYNAPSEPS_STATE_DIR = $state }
            (Wait-Until -TimeoutSec 60 -IntervalMs 50 { (Get-Complete).Count -ge 5 }) | Should -BeTrue
            Stop-Process -Id $first.Id -Force
            $first.WaitForExit(10000) | Should -BeTrue
            (Get-Complete).Count | Should -BeLessThan $files.Count -Because 'the kill came part-way'

            $env:SYNAPSEPS_STATE_DIR = $state
            $c = $Conn
            $rerun = @(Invoke-SynapseBatchUpload -LiteralPath $dir -Recurse -Connection $c -ThrottleLimit 2 -ChunkSize 64KB -SkipUploaded)
            $rerun | Should -HaveCount $files.Count
            @($rerun | Where-Object Status -EQ 'Failed') | Should -HaveCount 0
            @($rerun | Where-Object Skipped).Count | Should -BeGreaterOrEqual 3
            foreach ($f in $files) {
                $complete = @(Get-Complete | Where-Object filename -EQ $f.Name)
                $complete | Should -HaveCount 1 -Because "$($f.Name) must have exactly one complete upload"
                $complete[0].md5OfStoredBytes | Should -Be (Get-Md5 $f.FullName)
            }

            Reset-ServerLog $Server
            $third = @(Invoke-SynapseBatchUpload -LiteralPath $dir -Recurse -Connection $c -SkipUploaded)
            @($third | Where-Object Skipped) | Should -HaveCount $files.Count
            @(Get-ServerRequests $Server) | Should -HaveCount 0 -Because 'a rerun of a finished folder sends nothing'
        }
        finally {
            Stop-ChildPwsh $first
            Set-ServerFaults $Server @{}
            $env:SYNAPSEPS_STATE_DIR = Join-Path $TestDrive 'state'
        }
    }
}
