# The main job on a local default: start the dev server, upload a ~120 MB file with a live progress bar,
# show the result, prove the server's copy has the file's MD5, stop the server.
param([Parameter(Mandatory)] [string] $ModuleManifest)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot 'DevServer.psm1')
Import-Module $ModuleManifest

$token = 'demo-' + [guid]::NewGuid().ToString('N')
$server = Start-SynapseDevServer -ArgumentList '--token', $token
$work = Join-Path ([IO.Path]::GetTempPath()) ('synapse-demo-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $work
$env:SYNAPSEPS_STATE_DIR = Join-Path $work 'state'
try {
    Write-Host "Dev server: $($server.Url)"
    $file = Join-Path $work 'sample dataset [demo].bin'
    Write-Host 'Creating a 120 MB sample file...'
    $random = [Random]::new(20261125)
    $block = [byte[]]::new(1MB)
    $stream = [IO.File]::Create($file)
    try { for ($i = 0; $i -lt 120; $i++) { $random.NextBytes($block); $stream.Write($block, 0, $block.Length) } }
    finally { $stream.Dispose() }

    Connect-Synapse -BaseUrl $server.Url -AccessToken $token
    $result = Get-Item -LiteralPath $file | Send-SynapseChunkedUpload -Verbose
    $result | Format-Table | Out-Host
    $result | Format-List Id, Name, Length, Md5, ChunkCount, Duration, BytesPerSecond, Retries, Url | Out-Host

    $local = (Get-FileHash -LiteralPath $file -Algorithm MD5).Hash.ToLowerInvariant()
    $stored = Invoke-SynapseDevApi -Server $server -Path uploads | Where-Object { $_.id -eq $result.Id }
    if (-not $stored) { throw "The server has no upload $($result.Id)." }
    $storedHash = (Get-FileHash -LiteralPath $stored.storedPath -Algorithm MD5).Hash.ToLowerInvariant()
    if ($storedHash -ne $local -or $result.Md5 -ne $local) {
        throw "MD5 mismatch: local $local, result $($result.Md5), server's stored copy $storedHash."
    }
    Write-Host "OK: the server's stored copy ($($stored.storedPath)) has the file's MD5 $local." -ForegroundColor Green
}
finally {
    $server | Stop-SynapseDevServer
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}
