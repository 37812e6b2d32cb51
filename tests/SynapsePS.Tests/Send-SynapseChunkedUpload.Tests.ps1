# Send-SynapseChunkedUpload against the real dev server: names, sizes, pipeline binding, errors, connections.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession send
    $script:Chunk = 64KB
}
AfterAll { Complete-TestSession $Server }

Describe 'Uploading from the pipeline' {
    BeforeAll {
        $script:Dir = Join-Path $TestDrive 'names'
        $script:Files = @(
            New-TestFile -Path (Join-Path $Dir 'with spaces.bin') -Length 1 -Seed 1
            New-TestFile -Path (Join-Path $Dir 'bracket [1].bin') -Length 64KB -Seed 2
            New-TestFile -Path (Join-Path $Dir '데이터셋 [1].zip') -Length (64KB + 1) -Seed 3
            New-TestFile -Path (Join-Path $Dir 'several chunks.bin') -Length (5 * 64KB + 77) -Seed 4
        )
        Reset-ServerLog $Server
        $script:Results = @(Get-ChildItem -LiteralPath $Dir | Send-SynapseChunkedUpload -ChunkSize $Chunk -Connection $Conn)
    }

    It 'uploads every piped file, one result each' {
        $Results | Should -HaveCount 4
        ($Results.Name | Sort-Object) | Should -Be ($Files.Name | Sort-Object)
        @($Results.Id | Sort-Object -Unique) | Should -HaveCount 4 -Because 'every file is its own upload'
    }

    It 'stores <Name> (<Length> bytes, <Chunks> chunk(s)) bit for bit' -ForEach @(
        @{ Name = 'with spaces.bin'; Length = 1; Chunks = 1 }
        @{ Name = 'bracket [1].bin'; Length = 64KB; Chunks = 1 }
        @{ Name = '데이터셋 [1].zip'; Length = 64KB + 1; Chunks = 2 }
        @{ Name = 'several chunks.bin'; Length = 5 * 64KB + 77; Chunks = 6 }
    ) {
        $file = Get-Item -LiteralPath (Join-Path $Dir $Name)
        $file.Length | Should -Be $Length
        $result = $Results | Where-Object Name -EQ $Name
        $result | Should -HaveCount 1
        $result.FullName | Should -Be $file.FullName
        $result.Md5 | Should -Be (Get-Md5 $file.FullName)
        $result.Length | Should -Be $Length
        $result.ChunkCount | Should -Be $Chunks
        @(Get-ServerRequests $Server | Where-Object { $_.method -eq 'PUT' -and $_.uploadId -eq $result.Id }) | Should -HaveCount $Chunks

        $stored = Get-ServerUpload -Server $Server -Id $result.Id
        $stored.status | Should -Be 'complete'
        $stored.filename | Should -Be $Name
        $stored.owner | Should -Be $Token
        $stored.offset | Should -Be $Length
        (Get-Item -LiteralPath $stored.storedPath).Length | Should -Be $Length
        Get-Md5 $stored.storedPath | Should -Be $result.Md5
    }

    It 'returns a SynapsePS.UploadResult with every documented property filled in' {
        $file = $Files[3]
        $r = $Results | Where-Object Name -EQ $file.Name
        $r.PSObject.TypeNames[0] | Should -Be 'SynapsePS.UploadResult'
        foreach ($p in 'Id', 'Name', 'FullName', 'Length', 'Md5', 'Url', 'ChunkCount', 'Duration', 'BytesPerSecond', 'ServerRecord', 'Retries', 'Resumed', 'BytesSent') {
            $r.PSObject.Properties.Name | Should -Contain $p
        }
        $r.Id | Should -Not -BeNullOrEmpty
        $r.Status | Should -Be 'Complete' -Because 'the status is shown by name; ServerRecord keeps the server''s 2'
        @($Results.Status | Sort-Object -Unique) | Should -Be @('Complete')
        $r.ServerChecksum | Should -BeNullOrEmpty -Because 'a drf finish reply has no checksum'
        $r.Md5 | Should -Match '^[0-9a-f]{32}$'
        $r.Url.AbsoluteUri | Should -Be "$($Server.Url)chunked_upload/$($r.Id)/"
        $r.Duration | Should -BeOfType [timespan]
        $r.Duration.Ticks | Should -BeGreaterThan 0
        $r.BytesPerSecond | Should -BeGreaterThan 0
        $r.BytesSent | Should -Be $file.Length
        $r.Resumed | Should -BeFalse
        $r.Retries | Should -Be 0
        $r.ServerRecord['id'] | Should -Be $r.Id
        $r.ServerRecord['status'] | Should -Be 2 -Because "drf-chunked-upload's COMPLETE is 2"
        $r.ServerRecord['filename'] | Should -Be $file.Name
    }

    It 'uploads a ~60 MB file with the 50 MiB default chunk size' {
        $big = New-TestFile -Path (Join-Path $TestDrive 'default chunk.bin') -Length 60MB -Seed 9
        $r = $big | Send-SynapseChunkedUpload -Connection $Conn
        $r.ChunkCount | Should -Be 2
        $r.Length | Should -Be $big.Length
        $r.Md5 | Should -Be (Get-Md5 $big.FullName)
        $stored = Get-ServerUpload -Server $Server -Id $r.Id
        $stored.status | Should -Be 'complete'
        $stored.md5OfStoredBytes | Should -Be $r.Md5
        (Get-Item -LiteralPath $stored.storedPath).Length | Should -Be $big.Length
        Get-Md5 $stored.storedPath | Should -Be $r.Md5
    }

    It 'expands -Path wildcards, and takes names with brackets literally once matched' {
        $r = @(Send-SynapseChunkedUpload -Path (Join-Path $Dir '*.bin') -ChunkSize $Chunk -Connection $Conn)
        ($r.Name | Sort-Object) | Should -Be @('bracket [1].bin', 'several chunks.bin', 'with spaces.bin')
        foreach ($x in $r) { $x.Md5 | Should -Be (Get-Md5 $x.FullName) }
    }

    It 'takes a name with [1] literally through -LiteralPath and its alias -LP' {
        $path = Join-Path $Dir 'bracket [1].bin'
        $viaLiteral = Send-SynapseChunkedUpload -LiteralPath $path -Connection $Conn
        $viaLiteral.Name | Should -Be 'bracket [1].bin'
        $viaLiteral.Md5 | Should -Be (Get-Md5 $path)
        $viaAlias = Send-SynapseChunkedUpload -LP (Join-Path $Dir '데이터셋 [1].zip') -Connection $Conn -ChunkSize $Chunk
        $viaAlias.Md5 | Should -Be (Get-Md5 (Join-Path $Dir '데이터셋 [1].zip'))
    }

    It 'draws one progress bar (id 1, no parent) and closes it' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'progress.bin') -Length (8 * 64KB) -Seed 12
        Set-ServerFaults $Server @{ latencyMs = 60 }
        try {
            $run = Invoke-InModuleRunspace -ShowProgress {
                param($path, $conn)
                Send-SynapseChunkedUpload -LiteralPath $path -Connection $conn -ChunkSize 64KB
            } -ArgumentList $file.FullName, $Conn
            $out = $run.Output
            $records = $run.Progress
        }
        finally { Set-ServerFaults $Server @{} }
        $out | Should -HaveCount 1
        $records.Count | Should -BeGreaterThan 1
        ($records.ActivityId | Sort-Object -Unique) | Should -Be 1
        ($records.ParentActivityId | Sort-Object -Unique) | Should -Be -1
        $processing = @($records | Where-Object RecordType -EQ 'Processing')
        $processing.Count | Should -BeGreaterThan 0
        $processing[0].Activity | Should -Match 'progress\.bin'
        for ($i = 1; $i -lt $processing.Count; $i++) { $processing[$i].PercentComplete | Should -BeGreaterOrEqual $processing[$i - 1].PercentComplete }
        $records[-1].RecordType | Should -Be 'Completed'
    }
}

Describe 'Input that must not reach the server' {
    It '-WhatIf sends no request and writes nothing' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'whatif.bin') -Length 1000
        Reset-ServerLog $Server
        $before = @(Get-ServerUpload -Server $Server).Count
        $out = $file | Send-SynapseChunkedUpload -Connection $Conn -WhatIf
        $out | Should -BeNullOrEmpty
        @(Get-ServerRequests $Server) | Should -HaveCount 0
        @(Get-ServerUpload -Server $Server).Count | Should -Be $before
    }

    It 'refuses a zero-byte file with EmptyFile and no request' {
        $empty = Join-Path $TestDrive 'empty.bin'
        $null = New-Item -ItemType File -Path $empty -Force
        Reset-ServerLog $Server
        $out = Send-SynapseChunkedUpload -LiteralPath $empty -Connection $Conn -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EmptyFile,*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].TargetObject | Should -Be $empty
        @(Get-ServerRequests $Server) | Should -HaveCount 0
    }

    It 'reports a missing path as a non-terminating PathNotFound and still uploads the rest' {
        $first = New-TestFile -Path (Join-Path $TestDrive 'before-missing.bin') -Length 700 -Seed 5
        $last = New-TestFile -Path (Join-Path $TestDrive 'after-missing.bin') -Length 500 -Seed 6
        $missing = Join-Path $TestDrive 'missing.bin'
        $out = @($first.FullName, $missing, $last.FullName) |
            Send-SynapseChunkedUpload -Connection $Conn -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be $missing
        $out | Should -HaveCount 2
        $out.Name | Should -Be @('before-missing.bin', 'after-missing.bin')
        $out[1].Md5 | Should -Be (Get-Md5 $last.FullName)
        (Get-ServerUpload -Server $Server -Id $out[1].Id).status | Should -Be 'complete'
    }

    It 'refuses the non-FileSystem path <Path> (-LiteralPath: <Literal>) with UnsupportedProvider and no request' -ForEach @(
        @{ Path = 'Env:PATH'; Literal = $false }
        @{ Path = 'Env:PATH'; Literal = $true }
        @{ Path = 'Function:prompt'; Literal = $false }
    ) {
        Reset-ServerLog $Server
        $splat = if ($Literal) { @{ LiteralPath = $Path } } else { @{ Path = $Path } }
        $out = Send-SynapseChunkedUpload @splat -Connection $Conn -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UnsupportedProvider,*'
        @(Get-ServerRequests $Server) | Should -HaveCount 0
    }

    It 'rejects -ChunkSize <Size> at binding (64 KiB to 1 GiB)' -ForEach @(
        @{ Size = 65535 }
        @{ Size = 1GB + 1 }
        @{ Size = 0 }
    ) {
        $file = New-TestFile -Path (Join-Path $TestDrive 'chunk-range.bin') -Length 100
        Reset-ServerLog $Server
        $caught = $null
        try { Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $Conn -ChunkSize $Size } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError,*'
        @(Get-ServerRequests $Server) | Should -HaveCount 0
    }
}

Describe 'Server refusals' {
    It 'ends the call on a wrong token (AuthenticationFailed, 401) before the next piped file' {
        $a = New-TestFile -Path (Join-Path $TestDrive 'auth-a.bin') -Length 100
        $b = New-TestFile -Path (Join-Path $TestDrive 'auth-b.bin') -Length 100
        $wrong = 'wrong-' + [guid]::NewGuid().ToString('N')
        $bad = Connect-Synapse -BaseUrl $Server.Url -AccessToken $wrong -PassThru
        Reset-ServerLog $Server
        $caught = $null
        $out = $null
        try { $a, $b | Send-SynapseChunkedUpload -Connection $bad -MaxRetries 3 -RetryDelaySec 0 -OutVariable out } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because 'a wrong token dooms every file, so the call ends'
        $caught.FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed,*'
        $caught.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $caught.Exception.StatusCode | Should -Be 401
        $caught.TargetObject | Should -Be $a.FullName
        ($caught | Out-String) | Should -Not -Match $wrong -Because 'the error must not show the token'
        @($out) | Should -HaveCount 0
        $requests = @(Get-ServerRequests $Server)
        $requests | Should -HaveCount 1 -Because 'no retry, and the second file is not attempted'
        $requests[0].status | Should -Be 401
    }

    It 'maps <Status> to <ErrorId> (<Category>) with one request and the status on the exception' -ForEach @(
        # 507 ends the call instead (Resilience.Tests.ps1, 'Refusals that no retry can fix').
        @{ Status = 413; ErrorId = 'FileTooLarge'; Category = 'LimitsExceeded'; Limits = @{ maxUploadBytes = 1000 } }
    ) {
        Set-ServerLimits $Server $Limits
        Reset-ServerLog $Server
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive "limit-$Status.bin") -Length 5000
            $out = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $Conn -RetryDelaySec 0 -ErrorVariable err -ErrorAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            $err[0].CategoryInfo.Category | Should -Be $Category
            $err[0].Exception.StatusCode | Should -Be $Status
            $err[0].TargetObject | Should -Be $file.FullName
            $requests = @(Get-ServerRequests $Server)
            $requests | Should -HaveCount 1
            $requests[0].status | Should -Be $Status
            @(Get-ServerUpload -Server $Server | Where-Object { $_.filename -eq $file.Name -and $_.status -eq 'complete' }) | Should -HaveCount 0
        }
        finally { Set-ServerLimits $Server }
    }

    It 'turns a file failure into a catchable exception with -ErrorAction Stop' {
        Set-ServerLimits $Server @{ maxUploadBytes = 10 }
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive 'stop.bin') -Length 100
            $status = $null
            $errorId = $null
            try {
                Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $Conn -ErrorAction Stop
            }
            catch { $status = $_.Exception.StatusCode; $errorId = $_.FullyQualifiedErrorId; $message = $_.Exception.Message }
            $status | Should -Be 413
            $errorId | Should -BeLike 'FileTooLarge,*'
            $message | Should -Match 'exceeds the limit'
        }
        finally { Set-ServerLimits $Server }
    }
}

Describe 'Connections' {
    BeforeAll {
        # The environment's connection needs a session without a default one (this one has Connect-Synapse's): one
        # fresh pwsh runs the three cases in turn, setting the variables before each call (they are read per call),
        # and writes each case's lines under its name.
        $script:EnvFile = New-TestFile -Path (Join-Path $TestDrive 'env.bin') -Length 300
        $script:NoConn = @(1, 2 | ForEach-Object { New-TestFile -Path (Join-Path $TestDrive "noconn-$_.bin") -Length 300 })
        $script:EnvHttpFile = New-TestFile -Path (Join-Path $TestDrive 'env-http.bin') -Length 300
        $script = Join-Path $TestDrive 'env.ps1'
        Set-Content -LiteralPath $script -Value @"
Import-Module '$env:SYNAPSEPS_MODULE'
`$env:SYNAPSE_BACKEND_HOST = ''; `$env:SYNAPSE_ACCESS_TOKEN = ''; `$env:SYNAPSEPS_STATE_DIR = '$(Join-Path $TestDrive 'noconnstate')'
try { '$($NoConn[0].FullName)', '$($NoConn[1].FullName)' | Send-SynapseChunkedUpload; 'NOCONN NOT TERMINATED' }
catch { 'NOCONN ERRORID=' + `$_.FullyQualifiedErrorId; 'NOCONN CATEGORY=' + `$_.CategoryInfo.Category }

`$env:SYNAPSE_BACKEND_HOST = 'http://synapse.invalid/api/'; `$env:SYNAPSE_ACCESS_TOKEN = 'env-secret'
`$env:SYNAPSE_ALLOW_UNENCRYPTED_AUTHENTICATION = ''; `$env:SYNAPSEPS_STATE_DIR = '$(Join-Path $TestDrive 'envhttpstate')'
try { Send-SynapseChunkedUpload -LiteralPath '$($EnvHttpFile.FullName)'; 'HTTP NOT TERMINATED' }
catch { 'HTTP ERRORID=' + `$_.FullyQualifiedErrorId; 'HTTP MESSAGE=' + `$_.Exception.Message }

`$env:SYNAPSE_BACKEND_HOST = '$($Server.Url)'; `$env:SYNAPSE_ACCESS_TOKEN = '$Token'; `$env:SYNAPSEPS_STATE_DIR = '$(Join-Path $TestDrive 'envstate')'
`$r = Send-SynapseChunkedUpload -LiteralPath '$($EnvFile.FullName)'
'ENV ID=' + `$r.Id
'ENV MD5=' + `$r.Md5
"@
        $p = Start-ChildPwsh -ScriptPath $script
        try { $p.WaitForExit(120000) | Should -BeTrue } finally { Stop-ChildPwsh $p }
        $script:EnvErrors = $p.ErrTask.Result
        $lines = @($p.OutTask.Result -split '\r?\n')

        # What the child wrote for one case, without the case's name.
        function Get-CaseText([string] $Case) { ($lines | Where-Object { $_ -like "$Case *" } | ForEach-Object { $_.Substring($Case.Length + 1) }) -join "`n" }
    }

    It 'uses SYNAPSE_BACKEND_HOST and SYNAPSE_ACCESS_TOKEN when no connection is set' {
        $text = Get-CaseText ENV
        $text | Should -Match ('MD5=' + (Get-Md5 $EnvFile.FullName)) -Because $EnvErrors
        $id = [regex]::Match($text, 'ID=(\S+)').Groups[1].Value
        $stored = Get-ServerUpload -Server $Server -Id $id
        $stored.status | Should -Be 'complete'
        $stored.owner | Should -Be $Token
    }

    It 'ends the call with ConnectionNotConfigured when there is no connection at all' {
        $text = Get-CaseText NOCONN
        $text | Should -Match 'ERRORID=ConnectionNotConfigured,' -Because $EnvErrors
        $text | Should -Match 'CATEGORY=InvalidOperation'
        $text | Should -Not -Match 'NOT TERMINATED'
    }

    It 'never shows the tokens: connection object, JSON, tables, verbose output, results' {
        $secret = 'auth-secret-' + [guid]::NewGuid().ToString('N')
        $agent = 'agent-secret-' + [guid]::NewGuid().ToString('N')
        $c = Connect-Synapse -BaseUrl $Server.Url -AccessToken (ConvertTo-SecureString $Token -AsPlainText -Force) -Token $secret -AgentToken $agent -Tenant acme -PassThru
        $c | Should -Not -BeNullOrEmpty
        foreach ($text in ($c | Format-List * | Out-String), ($c | ConvertTo-Json -Depth 5), ($c | Out-String), ($c | Format-Table * | Out-String)) {
            $text | Should -Not -BeNullOrEmpty
            $text | Should -Not -Match $secret
            $text | Should -Not -Match $agent
            $text | Should -Not -Match $Token
        }
        $c.Tenant | Should -Be 'acme'
        $c.HasAuthorizationToken | Should -BeTrue
        $c.HasAgentToken | Should -BeTrue
        $file = New-TestFile -Path (Join-Path $TestDrive 'secret.bin') -Length (3 * 64KB)
        $stream = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c -ChunkSize 64KB -Verbose 4>&1
        $verbose = @($stream | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) | Out-String
        $verbose | Should -Match 'Upload'
        $verbose | Should -Not -Match $secret
        $verbose | Should -Not -Match $agent
        $verbose | Should -Not -Match $Token
        $result = $stream | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }
        $result.Md5 | Should -Be (Get-Md5 $file.FullName)
        ($result | Format-List * | Out-String) | Should -Not -Match $Token
    }

    It 'accepts the access token as a plain string and as a SecureString' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'token-kinds.bin') -Length 2000
        foreach ($given in $Token, (ConvertTo-SecureString $Token -AsPlainText -Force)) {
            $c = Connect-Synapse -BaseUrl $Server.Url -AccessToken $given -PassThru
            $r = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c
            (Get-ServerUpload -Server $Server -Id $r.Id).owner | Should -Be $Token
        }
    }

    It 'Connect-Synapse sets the session default used by later calls' {
        $other = Start-SynapseDevServer -ArgumentList '--token', 'default-conn'
        try {
            Connect-Synapse -BaseUrl $other.Url -AccessToken 'default-conn' | Should -BeNullOrEmpty -Because 'without -PassThru it writes nothing'
            $file = New-TestFile -Path (Join-Path $TestDrive 'default-conn.bin') -Length 256
            $r = Send-SynapseChunkedUpload -LiteralPath $file.FullName
            $r.Md5 | Should -Be (Get-Md5 $file.FullName)
            (Get-ServerUpload -Server $other -Id $r.Id).status | Should -Be 'complete' -Because 'the upload went to the server named by Connect-Synapse'
        }
        finally {
            $other | Stop-SynapseDevServer
            Connect-Synapse -BaseUrl $Server.Url -AccessToken $Token   # leave a working default behind
        }
    }

    It 'shows HasAgentToken in the connection''s table and takes -AgentToken as a string or a SecureString' {
        foreach ($given in 'agent-a', (ConvertTo-SecureString 'agent-b' -AsPlainText -Force)) {
            $c = Connect-Synapse -BaseUrl $Server.Url -AccessToken $Token -AgentToken $given -PassThru
            $c.HasAgentToken | Should -BeTrue
            $table = $c | Out-String
            $table | Should -Match 'HasAgentToken'
            $table | Should -Not -Match 'agent-[ab]'
            $file = New-TestFile -Path (Join-Path $TestDrive 'agent.bin') -Length 500
            (Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c).Md5 | Should -Be (Get-Md5 $file.FullName)
        }
        (Connect-Synapse -BaseUrl $Server.Url -AccessToken $Token -PassThru).HasAgentToken | Should -BeFalse
    }

    It 'refuses plain http to a host that is not loopback unless -AllowUnencryptedAuthentication (no request: .invalid never resolves)' {
        Connect-Synapse -BaseUrl $Server.Url -AccessToken $Token
        $caught = $null
        try { Connect-Synapse -BaseUrl 'http://synapse.invalid/api/' -AccessToken 'plain-secret' -PassThru } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -Be 'InvalidConnection,SynapsePS.Commands.ConnectSynapseCommand'
        $caught.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $caught.Exception.Message | Should -Match '-AllowUnencryptedAuthentication'
        $caught.Exception.Message | Should -Match 'synapse\.invalid'
        ($caught | Out-String) | Should -Not -Match 'plain-secret'

        # The session default is untouched: an upload without -Connection still goes to the dev server.
        $file = New-TestFile -Path (Join-Path $TestDrive 'still-default.bin') -Length 300
        $r = Send-SynapseChunkedUpload -LiteralPath $file.FullName
        (Get-ServerUpload -Server $Server -Id $r.Id).owner | Should -Be $Token

        $allowed = Connect-Synapse -BaseUrl 'http://synapse.invalid/api/' -AccessToken 'plain-secret' -AllowUnencryptedAuthentication -PassThru
        $allowed.AllowUnencryptedAuthentication | Should -BeTrue
        $allowed.BaseUrl.AbsoluteUri | Should -Be 'http://synapse.invalid/api/'
        (Connect-Synapse -BaseUrl 'https://synapse.invalid/api/' -AccessToken 'x' -PassThru).AllowUnencryptedAuthentication | Should -BeFalse
        foreach ($loopback in 'http://localhost:1/', 'http://127.0.0.2:1/', 'http://[::1]:1/') {
            (Connect-Synapse -BaseUrl $loopback -AccessToken 'x' -PassThru).BaseUrl | Should -Not -BeNullOrEmpty
        }
        Connect-Synapse -BaseUrl $Server.Url -AccessToken $Token   # leave a working default behind
    }

    It 'refuses plain http from SYNAPSE_BACKEND_HOST naming SYNAPSE_ALLOW_UNENCRYPTED_AUTHENTICATION' {
        $text = Get-CaseText HTTP
        $text | Should -Match 'ERRORID=InvalidConnection,' -Because $EnvErrors
        $text | Should -Match 'SYNAPSE_ALLOW_UNENCRYPTED_AUTHENTICATION=1'
        $text | Should -Not -Match 'NOT TERMINATED'
        $text | Should -Not -Match 'env-secret'
    }
}
