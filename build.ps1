<#
.SYNOPSIS
    The one entry point: builds SynapsePS into out/SynapsePS/ and runs its tasks.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Demo
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Docs', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'SynapsePS'
$MinimumPester = [version]'5.5.0'

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed (exit code $LASTEXITCODE)." }
}

# The command line that starts a fresh pwsh like this one (a .NET tool runs as 'dotnet pwsh.dll').
function Get-PwshCommand {
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { return @($process, (Join-Path $PSHOME 'pwsh.dll')) }
    return @($process)
}

function Invoke-Build {
    Write-Host "Building SynapsePS ($Configuration)..."
    Invoke-Dotnet build (Join-Path $Root 'SynapsePS.sln') -c $Configuration --nologo --verbosity minimal '-clp:NoSummary'

    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleOut
    $cmdlets = Join-Path $Root "src/SynapsePS/bin/$Configuration/netstandard2.0"
    Copy-Item (Join-Path $Root 'SynapsePS.psd1') $ModuleOut
    Copy-Item (Join-Path $cmdlets 'SynapsePS.dll'), (Join-Path $cmdlets 'SynapsePS.pdb') $ModuleOut
    $model = Join-Path $Root "src/SynapsePS.Model/bin/$Configuration/netstandard2.0"
    Copy-Item (Join-Path $model 'SynapsePS.Model.dll'), (Join-Path $model 'SynapsePS.Model.pdb') $ModuleOut
    Copy-Item (Join-Path $Root 'src/SynapsePS/SynapsePS.Format.ps1xml') $ModuleOut
    foreach ($file in 'LICENSE', 'CHANGELOG.md') {
        if (Test-Path (Join-Path $Root $file)) { Copy-Item (Join-Path $Root $file) $ModuleOut }
    }

    # SynapsePS.Core and everything it pulls in load from dependencies/<flavour> (see Loading/ in src/SynapsePS).
    foreach ($tfm in 'netstandard2.0', 'net8.0') {
        $target = New-Item -ItemType Directory -Force -Path (Join-Path $ModuleOut "dependencies/$tfm")
        $bin = Join-Path $Root "src/SynapsePS.Core/bin/$Configuration/$tfm"
        # The public types load once, from the module root; a second copy here would split their identity.
        Get-ChildItem $bin -Filter *.dll | Where-Object Name -NE 'SynapsePS.Model.dll' | Copy-Item -Destination $target
        Copy-Item (Join-Path $bin 'SynapsePS.Core.pdb') $target
    }

    $helpBuilder = Join-Path $Root 'tools/Build-Help.ps1'
    if (Test-Path $helpBuilder) { & $helpBuilder -DocsPath (Join-Path $Root 'docs/en-US') -OutputPath (Join-Path $ModuleOut 'en-US') }
    Write-Host "Module built: $ModuleOut"
}

function Get-PesterPath {
    $usable = Get-Module Pester -ListAvailable | Where-Object Version -GE $MinimumPester | Sort-Object Version -Descending | Select-Object -First 1
    if ($usable) { return $usable.Path }
    Write-Host 'Pester 5 is not installed; restoring it from NuGet...'
    $project = Join-Path $Root 'tools/pester/Pester.Restore.csproj'
    Invoke-Dotnet restore $project --nologo --verbosity quiet
    [xml] $proj = Get-Content $project
    $version = $proj.Project.PropertyGroup.PesterVersion.'#text'
    $packages = & dotnet nuget locals global-packages --list --force-english-output
    $packagesRoot = ($packages -replace '^global-packages:\s*', '').Trim()
    $manifest = Join-Path $packagesRoot "pester/$version/tools/Pester.psd1"
    if (-not (Test-Path $manifest)) { throw "Pester $version was restored but $manifest is missing." }
    return $manifest
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $results

    Write-Host "`n=== xunit: SynapsePS.Core.Tests ==="
    & dotnet test (Join-Path $Root 'tests/SynapsePS.Core.Tests') -c $Configuration --no-build --nologo `
        --logger 'console;verbosity=normal' --logger 'trx;LogFileName=core.trx' --results-directory $results
    $xunitExit = $LASTEXITCODE
    $xunit = @{ Passed = 0; Failed = 0; Skipped = 0 }
    $trx = Join-Path $results 'core.trx'
    if (Test-Path $trx) {
        $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
        $xunit = @{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout; Skipped = [int]$counters.notExecuted }
    } elseif ($xunitExit -ne 0) {
        $xunit.Failed = 1   # the run itself broke
    }

    Write-Host "`n=== Pester: tests/SynapsePS.Tests (fresh pwsh against out/SynapsePS) ==="
    $pester = Get-PesterPath
    $summary = Join-Path $results 'pester.json'
    $pwsh = Get-PwshCommand
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $Root 'tools/Invoke-PesterTests.ps1') `
        -PesterPath $pester -ModuleManifest (Join-Path $ModuleOut 'SynapsePS.psd1') -TestPath (Join-Path $Root 'tests/SynapsePS.Tests') -SummaryPath $summary
    $pesterExit = $LASTEXITCODE
    $ps = @{ Passed = 0; Failed = 0; Skipped = 0 }
    if (Test-Path $summary) {
        $j = Get-Content $summary -Raw | ConvertFrom-Json
        $ps = @{ Passed = [int]$j.Passed; Failed = [int]$j.Failed; Skipped = [int]$j.Skipped }
    } elseif ($pesterExit -ne 0) {
        $ps.Failed = 1
    }

    $passed = $xunit.Passed + $ps.Passed
    $failed = $xunit.Failed + $ps.Failed
    $skipped = $xunit.Skipped + $ps.Skipped
    Write-Host ''
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped; Pester: $($ps.Passed) passed, $($ps.Failed) failed, $($ps.Skipped) skipped"
    Write-Host "Tests: $passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $passed -eq 0 -or $xunitExit -ne 0 -or $pesterExit -ne 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    $pwsh = Get-PwshCommand
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -File (Join-Path $Root 'tools/Demo.ps1') -ModuleManifest (Join-Path $ModuleOut 'SynapsePS.psd1')
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Bench' {
        $Configuration = 'Release'
        Invoke-Build
        $pwsh = Get-PwshCommand
        & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -File (Join-Path $Root 'bench/Invoke-Benchmark.ps1') -ModuleManifest (Join-Path $ModuleOut 'SynapsePS.psd1')
        if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
    }
    'Docs' { & (Join-Path $Root 'tools/Update-Docs.ps1') -ModuleOut $ModuleOut -Build { Invoke-Build } }
    'Package' { Invoke-Build; & (Join-Path $Root 'tools/New-Package.ps1') -ModuleOut $ModuleOut -OutputPath (Join-Path $Out 'packages') }
    'Clean' { Remove-Item $Out -Recurse -Force -ErrorAction Ignore; Invoke-Dotnet clean (Join-Path $Root 'SynapsePS.sln') -c $Configuration --nologo --verbosity quiet }
}
