# The record shapes a server may answer with, against the real dev server in each of its modes: drf 0.6 (the
# default), Synapse (integer ids, checksum and size in the finish reply), drf 0.5's offset key, a JSON-only
# finish, a lying finish reply, and records whose url names a second server on 127.0.0.2.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # Two servers for the shapes, their lost acknowledgements and lying replies set per test (POST /_dev/faults):
    # drf's records with drf 0.5's offset key and a finish that takes JSON only (what this client sends anyway),
    # and the Synapse shape.
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession shapes '--offset-key', 'offset', '--json-only'
    $script:Synapse = Start-SynapseDevServer -ArgumentList '--token', $Token, '--record-shape', 'synapse'
    $script:Chunk = 64KB

    function script:Use-ShapeServer([string] $Shape) {
        # The server of this shape, its log cleared and its faults off, and a connection to it.
        $s = if ($Shape -eq 'synapse') { $Synapse } else { $Server }
        Set-ServerFaults $s
        Reset-ServerLog $s
        $s, (Connect-Synapse -BaseUrl $s.Url -AccessToken $Token -PassThru)
    }
}
AfterAll {
    if ($Synapse) { $Synapse | Stop-SynapseDevServer }
    Complete-TestSession $Server
}

Describe 'Record shapes' {
    It 'shows Status Complete and the <Shape> id (<What>) in the result and its table' -ForEach @(
        @{ Shape = 'drf'; What = 'a UUID'; IdPattern = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'; HasChecksum = $false }
        @{ Shape = 'synapse'; What = 'an integer'; IdPattern = '^[0-9]+$'; HasChecksum = $true }
    ) {
        $s, $c = Use-ShapeServer $Shape
        $file = New-TestFile -Path (Join-Path $TestDrive "shape-$Shape.bin") -Length (3 * $Chunk + 11)
        $r = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c -ChunkSize $Chunk
        $r.Status | Should -Be 'Complete'
        $r.Id | Should -Match $IdPattern
        $stored = Get-ServerUpload -Server $s -Id $r.Id
        $stored | Should -HaveCount 1 -Because 'the Id text is the server''s own'
        $stored.status | Should -Be 'complete'
        Get-Md5 $stored.storedPath | Should -Be (Get-Md5 $file.FullName)
        $r.ServerRecord['status'] | Should -Be 2 -Because 'the server''s record stays as it was sent'
        $table = $r | Format-Table | Out-String
        $table | Should -Match 'Complete'
        $table | Should -Match ([regex]::Escape($r.Id))
        if ($HasChecksum) {
            $r.ServerChecksum | Should -Be (Get-Md5 $file.FullName)
            $r.ServerSize | Should -Be $file.Length
        }
        else {
            $r.ServerChecksum | Should -BeNullOrEmpty
            $r.ServerSize | Should -BeNullOrEmpty
        }
    }

    It 'resyncs from drf 0.5''s offset key when acknowledgements are lost' {
        # Half the chunks are stored but their answer lost; the retry is refused with {"offset": N}.
        $s, $c = Use-ShapeServer drf
        Set-ServerFaults $s @{ loseAckRate = 0.5; seed = 5 }
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive 'offset-key.bin') -Length (6 * $Chunk + 3)
            $r = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c -ChunkSize $Chunk -RetryDelaySec 0 -MaxRetries 8
            $r.Status | Should -Be 'Complete'
            $r.Md5 | Should -Be (Get-Md5 $file.FullName)
            $requests = @(Get-ServerRequests $s)
            @($requests | Where-Object { $_.status -eq 400 -and $_.uploadId -eq $r.Id }) | Should -Not -BeNullOrEmpty
            @($requests | Where-Object method -EQ 'GET') | Should -HaveCount 0 -Because 'the offset in the error is enough'
        }
        finally { Set-ServerFaults $s }
    }

    It 'completes against a server whose finish accepts JSON only' {
        $s, $c = Use-ShapeServer drf
        $file = New-TestFile -Path (Join-Path $TestDrive 'json-only.bin') -Length ($Chunk + 3)
        $r = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c -ChunkSize $Chunk
        $r.Status | Should -Be 'Complete'
        $finish = @(Get-ServerRequests $s | Where-Object method -EQ 'POST')
        $finish | Should -HaveCount 1
        $finish[0].contentType | Should -Be 'application/json'
        $finish[0].status | Should -Be 200
    }

    It 'fails with ChecksumMismatch and writes no result when the finish reply lies about the <_>' -ForEach 'checksum', 'size' {
        $s, $c = Use-ShapeServer synapse
        Set-ServerFaults $s @{ finishLie = $_ }
        try {
            $file = New-TestFile -Path (Join-Path $TestDrive "lie-$_.bin") -Length (2 * $Chunk + 1)
            $out = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c -ChunkSize $Chunk -ErrorVariable err -ErrorAction SilentlyContinue
            $out | Should -BeNullOrEmpty
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ChecksumMismatch,*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidResult'
            $err[0].TargetObject | Should -Be $file.FullName
            $err[0].Exception.Message | Should -Match 'complete'
            @(Get-ChildItem -LiteralPath $env:SYNAPSEPS_STATE_DIR -Filter 'upload-*.json' -ErrorAction Ignore) | Should -HaveCount 0 -Because 'that upload can never be finished again'
        }
        finally { Set-ServerFaults $s }
    }

    It 'never contacts a second server on 127.0.0.2 that the records'' url names, and completes on the first' {
        $second = Start-SynapseDevServer -ArgumentList '--token', $Token, '--bind', '127.0.0.2'
        try {
            $second.Url | Should -Match '^http://127\.0\.0\.2:'
            # A server of its own: every record it writes names the second server.
            $s = Start-SynapseDevServer -ArgumentList '--token', $Token, '--advertise-url', $second.Url
            $c = Connect-Synapse -BaseUrl $s.Url -AccessToken $Token -PassThru
            try {
                $file = New-TestFile -Path (Join-Path $TestDrive 'advertised.bin') -Length (3 * $Chunk)
                $stream = Send-SynapseChunkedUpload -LiteralPath $file.FullName -Connection $c -ChunkSize $Chunk -Verbose 4>&1
                $r = $stream | Where-Object { $_ -is [SynapsePS.UploadResult] }
                $r.Status | Should -Be 'Complete'
                $r.Url.AbsoluteUri | Should -Be "$($s.Url)chunked_upload/$($r.Id)/"
                $r.ServerRecord['url'] | Should -BeLike "$($second.Url)*"
                @(Get-ServerRequests $second) | Should -HaveCount 0
                @(Get-ServerRequests $s | Where-Object { $_.method -in 'PUT', 'POST' }) | Should -HaveCount 4
                $said = @($stream | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match [regex]::Escape(([uri]$second.Url).Authority) })
                $said | Should -HaveCount 1
            }
            finally { $s | Stop-SynapseDevServer }
        }
        finally { $second | Stop-SynapseDevServer }
    }
}
