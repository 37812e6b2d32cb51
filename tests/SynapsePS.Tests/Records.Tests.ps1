# Get-SynapseChunkedUpload against the real dev server, and results that cross a process or runspace boundary
# (Start-Job, Start-ThreadJob, PowerShell's serializer) with their ids, status names and views intact.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # The server takes a second token too, for the tests of what another token's uploads show.
    $script:OtherToken = 'other-' + [guid]::NewGuid().ToString('N')
    $script:Server, $script:Conn, $script:Token = Initialize-TestSession records '--token', $OtherToken

    function New-PartialUpload {
        # Starts an upload with one raw chunk PUT (as the Python SDK sends it) and never finishes it: the server
        # then holds an Incomplete upload of $Sent of $Total bytes.
        param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Token, [Parameter(Mandatory)] [string] $Name,
            [int] $Sent = 100, [int] $Total = 1000)
        $http = [System.Net.Http.HttpClient]::new()
        try {
            $content = [System.Net.Http.MultipartFormDataContent]::new()
            $content.Add([System.Net.Http.StringContent]::new($Name), 'filename')
            $content.Add([System.Net.Http.ByteArrayContent]::new([byte[]]::new($Sent)), 'file', 'chunk')
            $null = $content.Headers.TryAddWithoutValidation('Content-Range', "bytes 0-$($Sent - 1)/$Total")
            $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::Put, "$($Server.Url)chunked_upload/")
            $request.Headers.Add('Synapse-Access-Token', "Token $Token")
            $request.Content = $content
            $response = $http.SendAsync($request).GetAwaiter().GetResult()
            $body = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
            if (-not $response.IsSuccessStatusCode) { throw "The chunk PUT was answered $([int]$response.StatusCode): $body" }
            $body | ConvertFrom-Json
        }
        finally { $http.Dispose() }
    }

    function New-Connection([string] $BaseUrl, [string] $Token) {
        # A connection object without Connect-Synapse, which would also replace this session's default.
        [SynapsePS.SynapseConnection]::new([uri]$BaseUrl, $Token)
    }

    function Get-ByTypeName([object[]] $Objects, [string] $TypeName) {
        @($Objects | Where-Object { $_.PSObject.TypeNames[0] -eq $TypeName })
    }
}
AfterAll { Complete-TestSession $Server }

Describe 'Get-SynapseChunkedUpload' {
    BeforeAll {
        $script:Dir = Join-Path $TestDrive 'get'
        $script:Files = @(
            New-TestFile -Path (Join-Path $Dir 'first [1].bin') -Length 1000 -Seed 1
            New-TestFile -Path (Join-Path $Dir 'second.bin') -Length (64KB + 7) -Seed 2
        )
        $script:Sent = @($Files | Send-SynapseChunkedUpload -ChunkSize 64KB)
        $script:Partial = New-PartialUpload -Server $Server -Token $Token -Name 'partial.bin' -Sent 100 -Total 1000
    }

    It 'reads Send results piped in by their Id, as the server holds them' {
        Reset-ServerLog $Server
        $records = @($Sent | Get-SynapseChunkedUpload)
        $records | Should -HaveCount 2
        for ($i = 0; $i -lt 2; $i++) {
            $r = $records[$i]
            $r.PSObject.TypeNames[0] | Should -Be 'SynapsePS.ChunkedUploadRecord'
            $r.Id | Should -Be $Sent[$i].Id
            $r.FileName | Should -Be $Files[$i].Name
            $r.Offset | Should -Be $Files[$i].Length
            $r.Status | Should -BeExactly 'Complete'
            $r.Url | Should -Be $Sent[$i].Url
            $r.CreatedAt | Should -BeOfType [DateTimeOffset]
            $r.CompletedAt | Should -BeOfType [DateTimeOffset]
            $r.CompletedAt | Should -BeGreaterOrEqual $r.CreatedAt
            $r.ServerRecord['id'] | Should -Be $Sent[$i].Id
            $stored = Get-ServerUpload -Server $Server -Id $r.Id
            $stored.filename | Should -Be $r.FileName
            $stored.offset | Should -Be $r.Offset
        }
        $requests = @(Get-ServerRequests $Server)
        $requests.method | Should -Be @('GET', 'GET')
        $requests.path | Should -Be @("/chunked_upload/$($Sent[0].Id)/", "/chunked_upload/$($Sent[1].Id)/")
    }

    It 'reads an upload that stopped half-way as Incomplete, with the bytes the server holds' {
        $r = Get-SynapseChunkedUpload -Id $Partial.id
        $r.Id | Should -Be $Partial.id
        $r.FileName | Should -Be 'partial.bin'
        $r.Offset | Should -Be 100
        $r.Status | Should -BeExactly 'Incomplete'
        $r.CompletedAt | Should -BeNullOrEmpty
        (Get-ServerUpload -Server $Server -Id $Partial.id).offset | Should -Be 100
    }

    It 'reads batch results piped in, passing over a failed file that has no id' {
        $batch = @(Invoke-SynapseBatchUpload -LiteralPath $Files[0].FullName, (Join-Path $Dir 'missing.bin') -ErrorAction SilentlyContinue)
        $batch | Should -HaveCount 2
        $ok = $batch | Where-Object Succeeded
        $records = @($batch | Get-SynapseChunkedUpload -ErrorVariable err)
        $err | Should -HaveCount 0
        $records | Should -HaveCount 1
        $records[0].Id | Should -Be $ok.Id
        $records[0].Status | Should -BeExactly 'Complete'
    }

    It 'reads by -Url, and takes a relative url against the base URL' {
        $r = Get-SynapseChunkedUpload -Url $Sent[1].Url, ([uri]::new("chunked_upload/$($Partial.id)/", [UriKind]::Relative))
        $r | Should -HaveCount 2
        $r[0].Id | Should -Be $Sent[1].Id
        $r[1].Id | Should -Be $Partial.id
    }

    It '-Status <Status> keeps only those records' -ForEach @(
        @{ Status = 'Complete'; Expected = 2 }
        @{ Status = 'Incomplete'; Expected = 1 }
    ) {
        $r = @(Get-SynapseChunkedUpload -Id $Sent[0].Id, $Partial.id, $Sent[1].Id -Status $Status)
        $r | Should -HaveCount $Expected
        $r.Status | Sort-Object -Unique | Should -BeExactly $Status
    }

    It 'rejects a -Status other than Incomplete or Complete at binding' {
        { Get-SynapseChunkedUpload -Status Uploading } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'reports a missing id as a non-terminating UploadNotFound and reads the next id' {
        $out = @(Get-SynapseChunkedUpload -Id 'no-such-upload', $Sent[0].Id -ErrorVariable err -ErrorAction SilentlyContinue)
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UploadNotFound,*'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 'no-such-upload'
        $err[0].Exception.StatusCode | Should -Be 404
        $out | Should -HaveCount 1
        $out[0].Id | Should -Be $Sent[0].Id
    }

    It 'does not show another token''s upload' {
        $theirs = New-PartialUpload -Server $Server -Token $OtherToken -Name 'theirs.bin'
        $c = New-Connection $Server.Url $Token
        $out = Get-SynapseChunkedUpload -Connection $c -Id $theirs.id -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UploadNotFound,*'
        $listed = @(Get-SynapseChunkedUpload -Connection $c -ErrorVariable listErr)
        $listErr | Should -HaveCount 0
        $own = @(Get-ServerUpload -Server $Server | Where-Object owner -EQ $Token)
        ($listed.Id | Sort-Object) | Should -Be ($own.id | Sort-Object) -Because 'the listing holds only the token''s own uploads'
        (Get-SynapseChunkedUpload -Connection (New-Connection $Server.Url $OtherToken)).Id | Should -Be $theirs.id
    }

    Context 'Urls of another origin' {
        # One other server for the three cases: the token must never reach it.
        BeforeAll { $script:Other = Start-SynapseDevServer -ArgumentList '--token', $Token }
        AfterAll { if ($Other) { $Other | Stop-SynapseDevServer } }

        It 'refuses a url that is not under the base URL (<What>) with UrlNotUnderBaseUrl and sends nothing' -ForEach @(
            @{ What = 'another server'; Make = { param($s, $o) "$($o.Url)chunked_upload/x/" } }
            @{ What = 'another host name for the same server'; Make = { param($s, $o) "http://localhost:$(([uri]$s.Url).Port)/chunked_upload/x/" } }
            @{ What = 'https instead of http'; Make = { param($s, $o) "https://127.0.0.1:$(([uri]$s.Url).Port)/chunked_upload/x/" } }
        ) {
            $other = $Other
            try {
                $url = & $Make $Server $other
                Reset-ServerLog $Server
                $out = Get-SynapseChunkedUpload -Url $url, $Sent[0].Url -ErrorVariable err -ErrorAction SilentlyContinue
                $err | Should -HaveCount 1
                $err[0].FullyQualifiedErrorId | Should -BeLike 'UrlNotUnderBaseUrl,*'
                $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
                "$($err[0].TargetObject)" | Should -Be $url
                $err[0].Exception.Message | Should -Match 'not under the base URL'
                ($err[0] | Out-String) | Should -Not -Match $Token
                $out.Id | Should -Be $Sent[0].Id -Because 'the next url is still read'
                @(Get-ServerRequests $other) | Should -HaveCount 0 -Because 'the token must never go to another origin'
                @(Get-ServerRequests $Server).path | Should -Be @("/chunked_upload/$($Sent[0].Id)/")
            }
            finally { Reset-ServerLog $other }
        }
    }

    It 'lists every upload of the token, complete and incomplete' {
        Reset-ServerLog $Server
        $all = @(Get-SynapseChunkedUpload -ErrorVariable err)
        $err | Should -HaveCount 0
        $requests = @(Get-ServerRequests $Server)
        $requests | Should -HaveCount 1
        $requests[0].method | Should -Be 'GET'
        $requests[0].path | Should -Be '/chunked_upload/'
        foreach ($id in @($Sent.Id) + $Partial.id) { $all.Id | Should -Contain $id }
        ($all | Where-Object Id -EQ $Partial.id).Status | Should -BeExactly 'Incomplete'
        ($all | Where-Object Id -EQ $Sent[0].Id).Status | Should -BeExactly 'Complete'
        @($all.Id | Sort-Object -Unique).Count | Should -Be $all.Count
        @(Get-ServerUpload -Server $Server | Where-Object owner -EQ $Token).Count | Should -Be $all.Count
    }

    It 'filters the listing with -Status <Status>' -ForEach @(
        @{ Status = 'Complete' }
        @{ Status = 'Incomplete' }
    ) {
        $r = @(Get-SynapseChunkedUpload -Status $Status -ErrorVariable err)
        $err | Should -HaveCount 0
        $r.Count | Should -BeGreaterThan 0
        $r.Status | Sort-Object -Unique | Should -BeExactly $Status
        if ($Status -eq 'Incomplete') { $r.Id | Should -Contain $Partial.id } else { $r.Id | Should -Not -Contain $Partial.id }
    }

    It 'ends the call on a wrong token (AuthenticationFailed, 401) after one request' {
        $bad = New-Connection $Server.Url ('wrong-' + [guid]::NewGuid().ToString('N'))
        Reset-ServerLog $Server
        $caught = $null
        try { Get-SynapseChunkedUpload -Connection $bad -Id $Sent[0].Id, $Sent[1].Id } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed,*'
        $caught.Exception.StatusCode | Should -Be 401
        @(Get-ServerRequests $Server) | Should -HaveCount 1
    }

    It 'finds its connection as the upload cmdlets do: none is ConnectionNotConfigured, then the environment' {
        $run = Invoke-InModuleRunspace {
            try { Get-SynapseChunkedUpload -Id x; 'NOT TERMINATED' } catch { $_.FullyQualifiedErrorId }
        }
        $run.Output | Should -HaveCount 1
        $run.Output[0] | Should -BeLike 'ConnectionNotConfigured,*'

        $env:SYNAPSE_BACKEND_HOST = $Server.Url
        $env:SYNAPSE_ACCESS_TOKEN = $Token
        try {
            $run = Invoke-InModuleRunspace { param($id) Get-SynapseChunkedUpload -Id $id } -ArgumentList $Sent[0].Id
        }
        finally { Remove-Item Env:SYNAPSE_BACKEND_HOST, Env:SYNAPSE_ACCESS_TOKEN }
        $run.Errors | Should -HaveCount 0
        $run.Output.Id | Should -Be $Sent[0].Id
    }

    It 'shows records in a table with a human size' {
        $text = Get-SynapseChunkedUpload -Id $Sent[1].Id, $Partial.id | Format-Table -DisplayError | Out-String -Width 250
        $text | Should -Match 'Id\s+FileName\s+Offset\s+Status\s+CreatedAt\s+CompletedAt'
        $text | Should -Match "$($Sent[1].Id)\s+second\.bin\s+64\.0 KB\s+Complete\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d{4}-"
        $text | Should -Match "(?m)$($Partial.id)\s+partial\.bin\s+100 B\s+Incomplete\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d *$"
        $text | Should -Not -Match '#ERR'
    }
}

Describe 'Results across process and runspace boundaries' {
    BeforeAll {
        $script:JobDir = Join-Path $TestDrive 'job'
        $script:JobFiles = @(
            New-TestFile -Path (Join-Path $JobDir 'sent.bin') -Length 1000 -Seed 21
            New-TestFile -Path (Join-Path $JobDir 'batched.bin') -Length 2000 -Seed 22
            New-TestFile -Path (Join-Path $JobDir 'summarised.bin') -Length 3000 -Seed 23
        )
        $script:Missing = Join-Path $JobDir 'missing.bin'
        # One job (a separate pwsh process) makes every kind of result; each comes back deserialized.
        $job = Start-Job -ScriptBlock {
            param($BaseUrl, $Token, $Files, $Missing)
            $ErrorActionPreference = 'Stop'
            Import-Module $env:SYNAPSEPS_MODULE
            Connect-Synapse -BaseUrl $BaseUrl -AccessToken $Token
            $sent = Send-SynapseChunkedUpload -LiteralPath $Files[0]
            $sent
            Send-SynapseChunkedUpload -LiteralPath $Files[0] -SkipUploaded   # the ledger says it is there: skipped
            Invoke-SynapseBatchUpload -LiteralPath $Files[1], $Missing -ErrorAction SilentlyContinue
            Invoke-SynapseBatchUpload -LiteralPath $Files[2], $Missing -Summary -ErrorAction SilentlyContinue
            $sent | Get-SynapseChunkedUpload
            Test-SynapseUploadFile -LiteralPath $Files[0], $Missing
            Connect-Synapse -BaseUrl $BaseUrl -AccessToken $Token -PassThru
        } -ArgumentList $Server.Url, $Token, @($JobFiles.FullName), $Missing
        $finished = Wait-Job $job -Timeout 180
        $script:Received = @(Receive-Job $job -ErrorVariable jobErrors -ErrorAction SilentlyContinue)
        $script:JobErrors = @($jobErrors)
        $script:JobState = $job.State
        if (-not $finished) { Stop-Job $job }
        Remove-Job $job -Force
    }

    It 'runs the job to completion without errors' {
        $JobState | Should -Be 'Completed'
        $JobErrors | Should -HaveCount 0
    }

    It 'an UploadResult from Start-Job keeps its Id, status name, Skipped and table' {
        $r = Get-ByTypeName $Received 'Deserialized.SynapsePS.UploadResult'
        $r | Should -HaveCount 2
        $stored = Get-ServerUpload -Server $Server -Id $r[0].Id
        $stored | Should -HaveCount 1 -Because 'the Id is the server''s record id'
        $stored.filename | Should -Be 'sent.bin'
        $r[0].Status | Should -BeExactly 'Complete'
        $r[0].Skipped | Should -BeOfType [bool]
        $r[0].Skipped | Should -BeFalse
        $r[0].Md5 | Should -Be (Get-Md5 $JobFiles[0].FullName)
        $r[0].Duration | Should -BeOfType [timespan]
        $r[0].ServerRecord['id'] | Should -Be $r[0].Id
        $text = $r[0] | Format-Table -View SynapsePS.UploadResult -DisplayError | Out-String -Width 250
        $text | Should -Match 'Name\s+Size\s+Status\s+Id\s+Duration\s+MB/s'
        $text | Should -Match "sent\.bin\s+1000 B\s+Complete\s+$($r[0].Id)\s+\d\d:\d\d:\d\d\.\d"
        $text | Should -Not -Match '#ERR'
        ($r[0] | Out-String -Width 250) | Should -Be $text -Because 'the default view is that table'

        # The rerun with -SkipUploaded: the same upload, not sent again, and the table says so.
        $r[1].Skipped | Should -BeTrue
        $r[1].Id | Should -Be $r[0].Id
        $r[1].Status | Should -BeExactly 'Complete'
        $text = $r[1] | Out-String -Width 250
        $text | Should -Match "sent\.bin\s+1000 B\s+Skipped\s+$($r[0].Id)"
    }

    It 'a BatchUploadResult from Start-Job keeps its Id, Status, ErrorId and table' {
        $r = Get-ByTypeName $Received 'Deserialized.SynapsePS.BatchUploadResult'
        $r | Should -HaveCount 2
        $ok = $r | Where-Object Name -EQ 'batched.bin'
        $ok.Status | Should -BeExactly 'Succeeded'
        $ok.Skipped | Should -BeFalse
        (Get-ServerUpload -Server $Server -Id $ok.Id).filename | Should -Be 'batched.bin'
        $failed = $r | Where-Object Name -EQ 'missing.bin'
        $failed.Status | Should -BeExactly 'Failed'
        $failed.ErrorId | Should -BeExactly 'PathNotFound'
        $failed.Length | Should -BeNullOrEmpty
        $text = $r | Format-Table -View SynapsePS.BatchUploadResult -DisplayError | Out-String -Width 250
        $text | Should -Match 'Name\s+Size\s+Status\s+Id\s+Duration\s+MB/s\s+Reason'
        $text | Should -Match "batched\.bin\s+2\.0 KB\s+Succeeded\s+$($ok.Id)"
        $text | Should -Match 'missing\.bin\s+Failed\s+00:00:00\.0'
        $text | Should -Not -Match '#ERR'
    }

    It 'a BatchUploadSummary from Start-Job keeps its counts and its failed files as objects' {
        $s = Get-ByTypeName $Received 'Deserialized.SynapsePS.BatchUploadSummary'
        $s | Should -HaveCount 1
        $s[0].Successful | Should -Be 1
        $s[0].Skipped | Should -Be 0
        $s[0].Total | Should -Be 2
        @($s[0].Failed) | Should -HaveCount 1
        $s[0].Failed[0].Name | Should -Be 'missing.bin'
        $s[0].Failed[0].ErrorId | Should -BeExactly 'PathNotFound'
        $s[0].Failed[0].Status | Should -BeExactly 'Failed'
        $text = $s[0] | Format-List -View SynapsePS.BatchUploadSummary -DisplayError | Out-String -Width 250
        $text | Should -Match 'Successful\s+:\s+1\b'
        $text | Should -Match 'Failed\s+:\s+1\b'
        $text | Should -Match 'Size\s+:\s+2\.9 KB'
        $text | Should -Match 'FailedFiles\s+:\s+missing\.bin: PathNotFound'
        $text | Should -Not -Match '#ERR'
    }

    It 'a ChunkedUploadRecord, an UploadFileCheck and a SynapseConnection from Start-Job read as they did' {
        $record = Get-ByTypeName $Received 'Deserialized.SynapsePS.ChunkedUploadRecord'
        $record | Should -HaveCount 1
        $record[0].Id | Should -Be (Get-ByTypeName $Received 'Deserialized.SynapsePS.UploadResult')[0].Id -Because 'the first result was piped in'
        $record[0].Status | Should -BeExactly 'Complete'
        $record[0].Offset | Should -Be 1000
        $text = $record[0] | Format-Table -View SynapsePS.ChunkedUploadRecord -DisplayError | Out-String -Width 250
        $text | Should -Match "$($record[0].Id)\s+sent\.bin\s+1000 B\s+Complete\s+\d{4}-\d\d-\d\d"
        $text | Should -Not -Match '#ERR'

        $checks = Get-ByTypeName $Received 'Deserialized.SynapsePS.UploadFileCheck'
        $checks | Should -HaveCount 2
        $bad = $checks | Where-Object Valid -EQ $false
        "$($bad.Problem)" | Should -BeExactly 'PathNotFound' -Because 'an enum must arrive as its name, not its number'
        $text = $checks | Format-Table -View SynapsePS.UploadFileCheck -DisplayError | Out-String -Width 250
        $text | Should -Match 'True\s+1000 B\s+.*sent\.bin'
        $text | Should -Match 'False\s+.*missing\.bin\s+It does not exist'
        $text | Should -Not -Match '#ERR'

        $connection = Get-ByTypeName $Received 'Deserialized.SynapsePS.SynapseConnection'
        $connection | Should -HaveCount 1
        $text = $connection | Format-Table -View SynapsePS.SynapseConnection -DisplayError | Out-String -Width 250
        $text | Should -Match ([regex]::Escape($Server.Url))
        ($connection | Format-List * | Out-String) | Should -Not -Match $Token
    }

    It 'a BatchUploadResult from Start-ThreadJob keeps its Id, Status and table' {
        Get-Command Start-ThreadJob -ErrorAction Stop | Should -Not -BeNullOrEmpty -Because 'ThreadJob ships with PowerShell 7'
        $file = New-TestFile -Path (Join-Path $JobDir 'threaded.bin') -Length 5000 -Seed 24
        $job = Start-ThreadJob -ScriptBlock {
            param($BaseUrl, $Token, $Path)
            Import-Module $env:SYNAPSEPS_MODULE
            Connect-Synapse -BaseUrl $BaseUrl -AccessToken $Token
            Invoke-SynapseBatchUpload -LiteralPath $Path
        } -ArgumentList $Server.Url, $Token, $file.FullName
        try {
            Wait-Job $job -Timeout 120 | Should -Not -BeNullOrEmpty
            $r = @(Receive-Job $job -ErrorVariable err)
        }
        finally { Remove-Job $job -Force }
        $err | Should -HaveCount 0
        $r | Should -HaveCount 1
        $r[0].PSObject.TypeNames[0] | Should -Be 'SynapsePS.BatchUploadResult'
        $r[0].Status | Should -BeExactly 'Succeeded'
        $r[0].Skipped | Should -BeFalse
        (Get-ServerUpload -Server $Server -Id $r[0].Id).filename | Should -Be 'threaded.bin'
        $text = $r[0] | Out-String -Width 250
        $text | Should -Match 'Name\s+Size\s+Status\s+Id'
        $text | Should -Match "threaded\.bin\s+4\.9 KB\s+Succeeded\s+$($r[0].Id)"
    }
}

Describe 'Views of deserialized objects' {
    BeforeAll {
        $url = [uri]"$($Server.Url)chunked_upload/abc/"
        $skippedUpload = [SynapsePS.UploadResult]::new('abc', (Join-Path $TestDrive 'skipped.bin'), 2048, ('0' * 32), $url, 'Complete',
            1, [timespan]::FromSeconds(2), 0, 0, $false, 0, $null, $true)
        $failure = [SynapsePS.SynapseClientException]::new([SynapsePS.SynapseErrorKind]::PathNotFound, 'It does not exist.')
        $failed = [SynapsePS.BatchUploadResult]::new((Join-Path $TestDrive 'gone.bin'), $null, $null, $failure)
        # Every type with a view, the way a job or remoting would hand it over, beside the live object.
        $script:Cases = @(
            @{ Name = 'a skipped UploadResult'; View = 'SynapsePS.UploadResult'; Object = $skippedUpload; Expect = 'skipped\.bin\s+2\.0 KB\s+Skipped\s+abc' }
            @{ Name = 'a skipped BatchUploadResult'; View = 'SynapsePS.BatchUploadResult'; Object = [SynapsePS.BatchUploadResult]::new($skippedUpload.FullName, 2048, $skippedUpload, $null); Expect = 'skipped\.bin\s+2\.0 KB\s+Skipped\s+abc' }
            @{ Name = 'a failed BatchUploadResult of unknown size'; View = 'SynapsePS.BatchUploadResult'; Object = $failed; Expect = 'gone\.bin\s+Failed\s+00:00:00\.0\s+0\.0\s+It does not exist\.' }
            @{ Name = 'a BatchUploadSummary'; View = 'SynapsePS.BatchUploadSummary'; List = $true; Object = [SynapsePS.BatchUploadSummary]::new(2, 1, [SynapsePS.BatchUploadResult[]] @($failed), 4096, [timespan]::FromSeconds(3)); Expect = 'Successful\s+:\s+2\s+Skipped\s+:\s+1\s+Failed\s+:\s+1\s+Size\s+:\s+4\.0 KB[\s\S]*FailedFiles\s+:\s+gone\.bin: PathNotFound' }
            @{ Name = 'a ChunkedUploadRecord without dates'; View = 'SynapsePS.ChunkedUploadRecord'; Object = [SynapsePS.ChunkedUploadRecord]::new('r1', 'part.bin', 100, 'Incomplete', $null, $null, $url, $null); Expect = '(?m)r1\s+part\.bin\s+100 B\s+Incomplete *$' }
            @{ Name = 'a ChunkedUploadRecord with dates'; View = 'SynapsePS.ChunkedUploadRecord'; Object = [SynapsePS.ChunkedUploadRecord]::new('r2', 'done.bin', 3MB, 'Complete', [DateTimeOffset]::new(2026, 11, 25, 10, 0, 0, [timespan]::Zero), [DateTimeOffset]::new(2026, 11, 25, 10, 5, 0, [timespan]::Zero), $url, $null); Expect = 'r2\s+done\.bin\s+3\.0 MB\s+Complete\s+2026-11-2\d \d\d:\d\d:00\s+2026-11-2\d \d\d:\d\d:00' }
            @{ Name = 'an UploadFileCheck of unknown size'; View = 'SynapsePS.UploadFileCheck'; Object = [SynapsePS.UploadFileCheck]::new((Join-Path $TestDrive 'gone.bin'), $false, $null, [string[]] @('It does not exist.'), [SynapsePS.SynapseErrorKind]::PathNotFound); Expect = 'False\s+\S*gone\.bin\s+It does not exist\.' }
            @{ Name = 'a SynapseConnection'; View = 'SynapsePS.SynapseConnection'; Object = $Conn; Expect = [regex]::Escape($Server.Url) }
        )
    }

    It 'names Deserialized.<_> beside <_> in its view' -ForEach 'SynapsePS.UploadResult', 'SynapsePS.BatchUploadResult',
        'SynapsePS.BatchUploadSummary', 'SynapsePS.ChunkedUploadRecord', 'SynapsePS.UploadFileCheck', 'SynapsePS.SynapseConnection' {
        $live = Get-FormatData -TypeName $_
        $copy = Get-FormatData -TypeName "Deserialized.$_"
        $live | Should -HaveCount 1
        $copy | Should -HaveCount 1
        $copy.FormatViewDefinition.Name | Should -Be $live.FormatViewDefinition.Name
    }

    It 'shows <_> the same live and deserialized, without errors' -ForEach @(
        'a skipped UploadResult', 'a skipped BatchUploadResult', 'a failed BatchUploadResult of unknown size', 'a BatchUploadSummary',
        'a ChunkedUploadRecord without dates', 'a ChunkedUploadRecord with dates', 'an UploadFileCheck of unknown size', 'a SynapseConnection'
    ) {
        $case = @($Cases | Where-Object Name -EQ $_)[0]
        $live = $case.Object
        $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($live))
        $copy.PSObject.TypeNames[0] | Should -Be ('Deserialized.' + $live.GetType().FullName)
        $render = if ($case.List) { { param($o) $o | Format-List -View $case.View -DisplayError | Out-String -Width 250 } }
                  else { { param($o) $o | Format-Table -View $case.View -DisplayError | Out-String -Width 250 } }
        $liveText = & $render $live
        $copyText = & $render $copy
        $copyText | Should -Be $liveText
        $copyText | Should -Match $case.Expect
        $copyText | Should -Not -Match '#ERR'
        $copyText | Should -Not -Match '\b0 B\b' -Because 'an unknown size is blank, not zero'
        ($copy | Out-String -Width 250) | Should -Be $copyText -Because 'the view is the default for the deserialized type'
    }
}
