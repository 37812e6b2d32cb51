# Send-SynapseChunkedUpload against the real dev server: names, sizes, pipeline binding, errors, connections.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:SYNAPSEPS_MODULE -Force
    $env:SYNAPSEPS_STATE_DIR = Join-Path $TestDrive 'state'
    $script:Token = 'send-token'
    $script:Server = Start-SynapseDevServer -ArgumentList '--token', $Token
    $script:Conn = Connect-Synapse -BaseUrl $Server.Url -AccessToken $Token -PassThru
    $script:Chunk = 64KB
}
AfterAll {
    $Server | Stop-SynapseDevServer
    Remove-Item Env:SYNAPSEPS_STATE_DIR, Env:SYNAPSE_BACKEND_HOST, Env:SYNAPSE_ACCESS_TOKEN -ErrorAction Ignore
}

Describe 'Uploading from the pipeline' {
    BeforeAll {
        $script:Dir = Join-Path $TestDrive 'names'
        $script:Files = @(
            New-TestFile -Path (Join-Path $Dir 'with spaces.bin') -Length 1 -Seed 1
            New-TestFile -Path (Join-Path $Dir 'bracket [1].bin') -Length 64KB -Seed 2
            New-TestFile -Path (Join-Path $Dir '데이터셋 [1].zip') -Length (64KB + 1) -Seed 3
            New-TestFile -Path (Join-Path $Dir 'several.bin') -Length (5 * 64KB + 77) -Seed 4
        )
        $script:Results = @(Get-ChildItem -LiteralPath $Dir | Send-SynapseChunkedUpload -ChunkSize $Chunk -Connection $Conn)
    }

    It 'uploads every piped file, one result each' {
        $Results | Should -HaveCount 4
        ($Results.Name | Sort-Object) | Should -Be ($Files.Name | Sort-Object)
    }

    It 'stores <Name> bit for bit (length and MD5)' -ForEach @(
        @{ Name = 'with spaces.bin'; Chunks = 1 }
        @{ Name = 'bracket [1].bin'; Chunks = 1 }
        @{ Name = '데이터셋 [1].zip'; Chunks = 2 }
        @{ Name = 'several.bin'; Chunks = 6 }
    ) {
        $file = Get-Item -LiteralPath (Join-Path $Dir $Name)
        $result = $Results | Where-Object Name -EQ $Name
        $stored = Get-ServerUpload -Server $Server -Id $result.Id
        $result.Md5 | Should -Be (Get-Md5 $file.FullName)
        $result.Length | Should -Be $file.Length
        $result.ChunkCount | Should -Be $Chunks
        $stored.status | Should -Be 'complete'
        $stored.filename | Should -Be $Name
        (Get-Item -LiteralPath $stored.storedPath).Length | Should -Be $file.Length
        Get-Md5 $stored.storedPath | Should -Be $result.Md5
    }

    It 'returns a SynapsePS.UploadResult with every documented property' {
        $r = $Results[0]
        $r.PSObject.TypeNames[0] | Should -Be 'SynapsePS.UploadResult'
        foreach ($p in 'Id', 'Name', 'FullName', 'Length', 'Md5', 'Url', 'ChunkCount', 'Duration', 'BytesPerSecond', 'ServerRecord', 'Retries', 'Resumed') {
            $r.PSObject.Properties.Name | Should -Contain $p
        }
        $r.ServerRecord['id'] | Should -Be $r.Id
        $r.Url.AbsoluteUri | Should -BeLike "$($Server.Url)chunked_upload/$($r.Id)/"
    }

    It 'uploads with the 50 MiB default chunk size' {
        $big = New-TestFile -Path (Join-Path $TestDrive 'default-chunk.bin') -Length 60MB -Seed 9
        $r = $big | Send-SynapseChunkedUpload -Connection $Conn
        $r.ChunkCount | Should -Be 2
        $r.Md5 | Should -Be (Get-Md5 $big.FullName)
        (Get-ServerUpload -Server $Server -Id $r.Id).md5OfStoredBytes | Should -Be $r.Md5
    }

    It 'binds -Path with wildcards and -LiteralPath with brackets' {
        $viaWildcard = Send-SynapseChunkedUpload -Path (Join-Path $Dir 'sev*.bin') -ChunkSize $Chunk -Connection $Conn
        $viaWildcard.Name | Should -Be 'several.bin'
        $viaLiteral = Send-SynapseChunkedUpload -LiteralPath (Join-Path $Dir 'bracket [1].bin') -Connection $Conn
        $viaLiteral.Name | Should -Be 'bracket [1].bin'
        $viaLiteral.Md5 | Should -Be (Get-Md5 (Join-Path $Dir 'bracket [1].bin'))
    }
}

Describe 'Input that must not reach the server' {
    It '-WhatIf sends no request' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'whatif.bin') -Length 1000
        Reset-ServerLog $Server
        $out = $file | Send-SynapseChunkedUpload -Connection $Conn -WhatIf
        $out | Should -BeNullOrEmpty
        @(Get-ServerRequests $Server) | Should -HaveCount 0
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
        $good = New-TestFile -Path (Join-Path $TestDrive 'after-missing.bin') -Length 500
        $out = @((Join-Path $TestDrive 'missing.bin'), $good.FullName) |
            Send-SynapseChunkedUpload -Connection $Conn -ErrorVariable err -ErrorAction SilentlyContinue
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $out | Should -HaveCount 1
        $out.Name | Should -Be 'after-missing.bin'
    }

    It 'refuses a non-FileSystem path with UnsupportedProvider' {
        Send-SynapseChunkedUpload -Path 'Env:PATH' -Connection $Conn -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UnsupportedProvider,*'
    }
}

Describe 'Server refusals' {
    It 'ends the call on a wrong token (AuthenticationFailed, 401) before the next file' {
        $a = New-TestFile -Path (Join-Path $TestDrive 'auth-a.bin') -Length 100
        $b = New-TestFile -Path (Join-Path $TestDrive 'auth-b.bin') -Length 100
        $bad = Connect-Synapse -BaseUrl $Server.Url -AccessToken 'wrong' -PassThru
        Reset-ServerLog $Server
        $caught = $null
        try { $a, $b | Send-SynapseChunkedUpload -Connection $bad -MaxRetries 3 -RetryDelaySec 0 } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed,*'
        $caught.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $caught.Exception.StatusCode | Should -Be 401
        @(Get-ServerRequests $Server) | Should -HaveCount 1 -Because 'no retry, and the second file is not attempted'
    }

    It 'maps <Status> to <ErrorId> (<Category>) with one request and the status on the exception' -ForEach @(
        @{ Status = 413; ErrorId = 'FileTooLarge'; Category = 'LimitsExceeded'; ServerArgs = @('--max-size', '1000') }
        @{ Status = 507; ErrorId = 'InsufficientStorage'; Category = 'QuotaExceeded'; ServerArgs = @('--quota', '1000') }
    ) {
        $limited = Start-SynapseDevServer -ArgumentList (@('--token', 'lim') + $ServerArgs)
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive "limit-$Status.bin") -Length 5000
            $c = Connect-Synapse -BaseUrl $limited.Url -AccessToken lim -PassThru
            Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c -RetryDelaySec 0 -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
            $err[0].CategoryInfo.Category | Should -Be $Category
            $err[0].Exception.StatusCode | Should -Be $Status
            $err[0].TargetObject | Should -Be $file.FullName
            @(Get-ServerRequests $limited) | Should -HaveCount 1
        }
        finally { $limited | Stop-SynapseDevServer }
    }

    It 'turns a file failure into a catchable exception with -ErrorAction Stop' {
        $limited = Start-SynapseDevServer -ArgumentList '--token', 'lim', '--max-size', '10'
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive 'stop.bin') -Length 100
            $status = $null
            try {
                Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection (Connect-Synapse $limited.Url lim -PassThru) -ErrorAction Stop
            }
            catch { $status = $_.Exception.StatusCode; $message = $_.Exception.Message }
            $status | Should -Be 413
            $message | Should -Match 'exceeds the limit'
        }
        finally { $limited | Stop-SynapseDevServer }
    }
}

Describe 'Connections' {
    It 'uses SYNAPSE_BACKEND_HOST and SYNAPSE_ACCESS_TOKEN when no connection is set' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'env.bin') -Length 300
        $script = Join-Path $TestDrive 'env.ps1'
        Set-Content -LiteralPath $script -Value @"
Import-Module '$env:SYNAPSEPS_MODULE'
`$r = Send-SynapseChunkedUpload -LiteralPath '$($file.FullName)'
`$r.Md5
"@
        $p = Start-ChildPwsh -ScriptPath $script -Environment @{ SYNAPSE_BACKEND_HOST = $Server.Url; SYNAPSE_ACCESS_TOKEN = $Token; SYNAPSEPS_STATE_DIR = (Join-Path $TestDrive 'envstate') }
        $p.WaitForExit(60000) | Should -BeTrue
        $p.OutTask.Result.Trim() | Should -Be (Get-Md5 $file.FullName) -Because $p.ErrTask.Result
    }

    It 'ends the call with ConnectionNotConfigured when there is no connection at all' {
        $file = New-TestFile -Path (Join-Path $TestDrive 'noconn.bin') -Length 300
        $script = Join-Path $TestDrive 'noconn.ps1'
        Set-Content -LiteralPath $script -Value @"
Import-Module '$env:SYNAPSEPS_MODULE'
try { Send-SynapseChunkedUpload -LiteralPath '$($file.FullName)' } catch { 'ERRORID=' + `$_.FullyQualifiedErrorId }
"@
        $p = Start-ChildPwsh -ScriptPath $script -Environment @{ SYNAPSE_BACKEND_HOST = ''; SYNAPSE_ACCESS_TOKEN = '' }
        $p.WaitForExit(60000) | Should -BeTrue
        $p.OutTask.Result | Should -Match 'ERRORID=ConnectionNotConfigured,'
    }

    It 'never shows the tokens: connection object, JSON, verbose output, journals' {
        $secret = 'auth-secret-' + [guid]::NewGuid().ToString('N')
        $c = Connect-Synapse -BaseUrl $Server.Url -AccessToken (ConvertTo-SecureString $Token -AsPlainText -Force) -Token $secret -Tenant acme -PassThru
        foreach ($text in ($c | Format-List * | Out-String), ($c | ConvertTo-Json), ($c | Out-String)) {
            $text | Should -Not -Match $secret
            $text | Should -Not -Match $Token
        }
        $c.Tenant | Should -Be 'acme'
        $c.HasAuthorizationToken | Should -BeTrue
        $file = New-TestFile -Path (Join-Path $TestDrive 'secret.bin') -Length (3 * 64KB)
        $verbose = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c -ChunkSize 64KB -Verbose 4>&1 | Out-String
        $verbose | Should -Match 'Upload to'
        $verbose | Should -Not -Match $secret
        $verbose | Should -Not -Match $Token
        $journals = Get-ChildItem $env:SYNAPSEPS_STATE_DIR -Filter *.json -ErrorAction Ignore | Get-Content -Raw
        "$journals" | Should -Not -Match $secret
    }

    It 'Connect-Synapse sets the session default used by later calls' {
        Connect-Synapse -BaseUrl $Server.Url -AccessToken $Token
        $file = New-TestFile -Path (Join-Path $TestDrive 'default-conn.bin') -Length 256
        (Send-SynapseChunkedUpload -LiteralPath $file.FullName).Md5 | Should -Be (Get-Md5 $file.FullName)
    }
}
