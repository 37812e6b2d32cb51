# The .NET Framework-profile check of the test task: Mono hosts tests/SynapsePS.FrameworkCheck, which loads the
# netstandard2.0 engine from the built module through the module's own FrameworkLoader and uploads to the dev
# server. Installs Mono first where it is missing and this is a Debian machine run as root (CI); elsewhere without
# Mono the check is skipped (in CI it fails instead). Returns the counts as build.ps1's other runs do.
param(
    [Parameter(Mandatory)] [string] $Root,
    [Parameter(Mandatory)] [string] $ModuleOut,
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'

# Only what the check loads: the runtime with mscorlib, System, System.Core, System.Net.Http and their own
# dependencies (about a minute); the facades come from mono-devel's archive without installing it (below).
$MonoPackages = 'mono-runtime', 'libmono-system-net-http4.0-cil', 'libmono-system-componentmodel-dataannotations4.0-cil', 'libmono-system-numerics4.0-cil'

function Install-Mono {
    if (Get-Command mono -ErrorAction Ignore) { return $true }
    $apt = Get-Command apt-get -ErrorAction Ignore
    if (-not $IsLinux -or -not $apt -or (& id -u) -ne '0') { return $false }
    Write-Host "Mono is missing: installing $($MonoPackages -join ', ') from apt..."
    $watch = [Diagnostics.Stopwatch]::StartNew()
    $env:DEBIAN_FRONTEND = 'noninteractive'
    & apt-get update -q | Out-Null
    & apt-get install -y -q --no-install-recommends @MonoPackages | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "apt-get install $($MonoPackages -join ' ') failed (exit code $LASTEXITCODE)." }
    Write-Host ("Mono installed in {0:0} s." -f $watch.Elapsed.TotalSeconds)
    return [bool](Get-Command mono -ErrorAction Ignore)
}

Write-Host "`n=== .NET Framework profile (Mono): tests/SynapsePS.FrameworkCheck ==="
if (-not (Install-Mono)) {
    if ($env:CI -eq 'true') {
        Write-Host 'FAIL Mono is not installed and could not be installed (needs root and apt-get).'
        return @{ Passed = 0; Failed = 1; Skipped = 0; Exit = 1 }
    }
    Write-Host 'Mono is not installed and this machine cannot install it (needs root and apt-get): the check is skipped.'
    return @{ Passed = 0; Failed = 0; Skipped = 1; Exit = 0 }
}

$watch = [Diagnostics.Stopwatch]::StartNew()
$project = Join-Path $Root 'tests/SynapsePS.FrameworkCheck'
& dotnet build $project -c $Configuration --nologo --verbosity quiet "-p:ModuleOut=$ModuleOut" | Out-Host
if ($LASTEXITCODE -ne 0) { return @{ Passed = 0; Failed = 1; Skipped = 0; Exit = $LASTEXITCODE } }
$bin = Join-Path $project "bin/$Configuration/net472"
# netstandard.dll and the other facades: Mono keeps them in mono-devel, whose install takes minutes. Without it,
# they are taken from that package's archive (apt-get download, unpacked into out/, never installed) beside the check.
if (-not (Test-Path '/usr/lib/mono/4.5/Facades/netstandard.dll')) {
    $facades = Join-Path (Split-Path $ModuleOut -Parent) 'mono-facades'
    if (-not (Test-Path (Join-Path $facades 'usr/lib/mono/4.5/Facades/netstandard.dll'))) {
        $null = New-Item -ItemType Directory -Force -Path $facades
        Push-Location $facades
        try { & apt-get download -q mono-devel | Out-Host } finally { Pop-Location }
        $deb = Get-ChildItem $facades -Filter 'mono-devel_*.deb' | Select-Object -First 1
        if (-not $deb) { return @{ Passed = 0; Failed = 1; Skipped = 0; Exit = 1 } }
        & dpkg-deb -x $deb.FullName $facades
    }
    # Not those the module ships itself: as on Windows, they must come through the module's resolver.
    $shipped = (Get-ChildItem (Join-Path $ModuleOut 'dependencies/netstandard2.0') -Filter *.dll).Name
    Get-ChildItem (Join-Path $facades 'usr/lib/mono/4.5/Facades') -Filter *.dll | Where-Object Name -NotIn $shipped | Copy-Item -Destination $bin
}

Import-Module (Join-Path $Root 'tools/DevServer.psm1')
$token = 'framework-check'
$server = Start-SynapseDevServer -ArgumentList '--token', $token -Configuration $Configuration
$scratch = Join-Path ([IO.Path]::GetTempPath()) ('synapse-framework-check-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $scratch
try {
    $lines = & mono (Join-Path $bin 'SynapsePS.FrameworkCheck.exe') $ModuleOut $server.Url $token $scratch 2>&1 | ForEach-Object { "$_" }
    $exit = $LASTEXITCODE
}
finally {
    Stop-SynapseDevServer $server
    Remove-Item -LiteralPath $scratch -Recurse -Force -ErrorAction Ignore
}
$lines | Out-Host
Write-Host ("The check took {0:0} s." -f $watch.Elapsed.TotalSeconds)
$counts = $lines | Select-String -Pattern '^(\d+) passed, (\d+) failed$' | Select-Object -Last 1
if (-not $counts) { return @{ Passed = 0; Failed = 1; Skipped = 0; Exit = $exit } }
@{ Passed = [int]$counts.Matches[0].Groups[1].Value; Failed = [int]$counts.Matches[0].Groups[2].Value; Skipped = 0; Exit = $exit }
