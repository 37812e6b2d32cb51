# The cmdlets on the netstandard2.0 engine (the one Windows PowerShell 5.1 loads), run with SYNAPSEPS_TEST_ENGINE set.
# The engine's own code that differs between its builds is tested by tests/SynapsePS.Core.Tests.NetStandard; what
# only a real pwsh shows is that the cmdlet layer loads this build and works through it: uploads, the folder walk,
# the ledger, the server's records and the errors that cross from the engine into ErrorRecords.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../SynapsePS.Tests/TestHelpers.psm1') -Force
    if (-not $env:SYNAPSEPS_TEST_ENGINE) { throw 'These tests run with SYNAPSEPS_TEST_ENGINE=netstandard2.0 (build.ps1 -Task Test sets it).' }
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession engine
    $script:Tree = Join-Path $TestDrive 'tree'
    $seed = 0
    foreach ($name in 'top.bin', 'nested/a/deep.bin', 'odd [dir]/name [1].bin', '.hidden.bin') {
        $null = New-TestFile -Path (Join-Path $Tree $name) -Length (3 * 64KB + $seed) -Seed (++$seed)
    }
}
AfterAll { Complete-TestSession $Server }

Describe 'The netstandard2.0 engine under the cmdlets' {
    It 'is the engine this process loaded' {
        $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SynapsePS.Core' }
        $core | Should -HaveCount 1
        $core.Location | Should -Match "dependencies[/\\]netstandard2\.0[/\\]"
    }

    It 'uploads one file in chunks with Send-SynapseChunkedUpload, bit for bit' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'send.bin') -Length (5 * 64KB + 77) -Seed 40
        $r = $file | Send-SynapseChunkedUpload -ChunkSize 64KB -Connection $Conn
        $r.PSObject.TypeNames[0] | Should -Be 'SynapsePS.UploadResult'
        $r.ChunkCount | Should -Be 6
        $r.Md5 | Should -Be (Get-Md5 $file.FullName)
        $stored = Get-ServerUpload -Server $Server -Id $r.Id
        $stored.status | Should -Be 'complete'
        $stored.md5OfStoredBytes | Should -Be $r.Md5
    }

    It 'walks a folder with -Recurse in parallel, then a rerun with -SkipUploaded skips every file from the ledger' {
        $expected = @(Get-ChildItem -LiteralPath $Tree -Recurse -File -Force).FullName
        $first = @(Invoke-SynapseBatchUpload -LiteralPath $Tree -Recurse -Force -ThrottleLimit 2 -ChunkSize 64KB -SkipUploaded -Connection $Conn)
        ($first.FullName | Sort-Object) | Should -Be ($expected | Sort-Object)
        @($first | Where-Object Status -NE 'Succeeded') | Should -HaveCount 0
        foreach ($r in $first) { (Get-ServerUpload -Server $Server -Id $r.Id).md5OfStoredBytes | Should -Be (Get-Md5 $r.FullName) }

        $uploads = @(Get-ServerUpload -Server $Server).Count
        $rerun = @(Invoke-SynapseBatchUpload -LiteralPath $Tree -Recurse -Force -ThrottleLimit 2 -SkipUploaded -Connection $Conn)
        @($rerun | Where-Object Skipped) | Should -HaveCount $expected.Count
        @(Get-ServerUpload -Server $Server).Count | Should -Be $uploads -Because 'a skipped file starts no upload'
    }

    It 'reads the server''s records with Get-SynapseChunkedUpload' {
        $sent = New-TestFile -Path (Join-Path $TestDrive 'record.bin') -Length 1000 -Seed 41 | Send-SynapseChunkedUpload -Connection $Conn
        $record = Get-SynapseChunkedUpload -Id $sent.Id -Connection $Conn
        $record.Id | Should -Be $sent.Id
        $record.Filename | Should -Be 'record.bin'
        $record.Offset | Should -Be 1000
    }

    It 'turns a refused token and an unreachable server into their ErrorIds' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'refused.bin') -Length 1000 -Seed 42
        $wrong = Connect-Synapse -BaseUrl $Server.Url -AccessToken 'not-the-token' -PassThru
        $caught = $null
        try { $null = $file | Send-SynapseChunkedUpload -Connection $wrong -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed,*'
        $caught.Exception.StatusCode | Should -Be 401

        # A port that was just free: nothing listens there, so the server is never reached.
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        $nobody = Connect-Synapse -BaseUrl "http://127.0.0.1:$port/" -AccessToken $Token -PassThru
        $caught = $null
        try { $null = $file | Send-SynapseChunkedUpload -Connection $nobody -MaxRetries 0 -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'ConnectionFailed,*'
    }
}
