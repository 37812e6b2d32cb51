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

Import-Module (Join-Path $Root 'tools/ChildPwsh.psm1')

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
    Copy-Item (Join-Path $Root 'src/SynapsePS/SynapsePS.Format.ps1xml'), (Join-Path $Root 'src/SynapsePS/SynapsePS.Types.ps1xml') $ModuleOut
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

function Invoke-Xunit([string] $Project, [string] $Results) {
    # One xunit project; returns its counts from the trx (a run that broke before writing one counts as a failure).
    $name = Split-Path $Project -Leaf
    Write-Host "`n=== xunit: $name ==="
    & dotnet test $Project -c $Configuration --no-build --nologo `
        --logger 'console;verbosity=normal' --logger "trx;LogFileName=$name.trx" --results-directory $Results | Out-Host
    $exit = $LASTEXITCODE
    $trx = Join-Path $Results "$name.trx"
    if (Test-Path $trx) {
        $c = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
        return @{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout; Skipped = [int]$c.notExecuted; Exit = $exit }
    }
    @{ Passed = 0; Failed = 1; Skipped = 0; Exit = $exit }
}

function Invoke-PesterRun([string] $Title, [string[]] $TestPath, [string] $Results, [hashtable] $Environment = @{}) {
    # The Pester suite (or part of it) in a fresh pwsh against out/SynapsePS, with extra environment variables.
    Write-Host "`n=== Pester: $Title ==="
    $summary = Join-Path $Results ("pester-" + ($Title -replace '[^\w]+', '-') + '.json')
    Invoke-ChildPwsh -Environment $Environment -ArgumentList '-File', (Join-Path $Root 'tools/Invoke-PesterTests.ps1'), `
        '-PesterPath', (Get-PesterPath), '-ModuleManifest', (Join-Path $ModuleOut 'SynapsePS.psd1'), '-TestPath', ($TestPath -join '|'), '-SummaryPath', $summary | Out-Host
    $exit = $LASTEXITCODE
    if (Test-Path $summary) {
        $j = Get-Content $summary -Raw | ConvertFrom-Json
        return @{ Passed = [int]$j.Passed; Failed = [int]$j.Failed; Skipped = [int]$j.Skipped; Exit = $exit }
    }
    @{ Passed = 0; Failed = 1; Skipped = 0; Exit = $exit }
}

function Invoke-Test {
    Invoke-Build
    $results = Join-Path $Out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $results
    $pesterTests = Join-Path $Root 'tests/SynapsePS.Tests'

    # Each test runs once, on the net8.0 engine (PowerShell 7). The two second runs exist because the engine has a
    # second build, netstandard2.0 (Windows PowerShell 5.1, loaded here into PowerShell 7 through a switch meant for
    # tests), and only its differing code is tested again: the xunit tests of the code under #if and of the JSON reads
    # (the list is in the project file), and the cmdlets loading that build and working through it (a smoke set).
    $runs = [ordered]@{
        'xunit (net8.0 engine)'                = Invoke-Xunit (Join-Path $Root 'tests/SynapsePS.Core.Tests') $results
        'xunit (netstandard2.0 engine)'        = Invoke-Xunit (Join-Path $Root 'tests/SynapsePS.Core.Tests.NetStandard') $results
        'xunit (dev server)'                   = Invoke-Xunit (Join-Path $Root 'tests/SynapsePS.DevServer.Tests') $results
        'Pester (net8.0 engine)'               = Invoke-PesterRun 'whole suite, net8.0 engine' @($pesterTests) $results
        'Pester (netstandard2.0 engine)'       = Invoke-PesterRun 'the cmdlets on the netstandard2.0 engine' `
            @(Join-Path $Root 'tests/SynapsePS.Tests.NetStandard') $results @{ SYNAPSEPS_TEST_ENGINE = 'netstandard2.0' }
        # The netstandard2.0 engine on a .NET Framework-profile runtime (Mono, installed here when missing).
        '.NET Framework profile (Mono)'        = & (Join-Path $Root 'tools/Invoke-FrameworkCheck.ps1') -Root $Root -ModuleOut $ModuleOut -Configuration $Configuration
    }

    Write-Host ''
    $passed = 0; $failed = 0; $skipped = 0; $broken = $false
    foreach ($name in $runs.Keys) {
        $r = $runs[$name]
        Write-Host ("{0}: {1} passed, {2} failed, {3} skipped" -f $name, $r.Passed, $r.Failed, $r.Skipped)
        $passed += $r.Passed; $failed += $r.Failed; $skipped += $r.Skipped
        if ($r.Exit -ne 0) { $broken = $true }
    }
    Write-Host "Tests: $passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $passed -eq 0 -or $broken) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Invoke-ChildPwsh '-File', (Join-Path $Root 'tools/Demo.ps1'), '-ModuleManifest', (Join-Path $ModuleOut 'SynapsePS.psd1')
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Bench' {
        $Configuration = 'Release'
        Invoke-Build
        foreach ($bench in 'Invoke-Benchmark.ps1', 'Measure-ManyFiles.ps1', 'Measure-Folders.ps1', 'Measure-Wan.ps1') {
            Invoke-ChildPwsh '-File', (Join-Path $Root "bench/$bench"), '-ModuleManifest', (Join-Path $ModuleOut 'SynapsePS.psd1')
            if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
        }
    }
    'Docs' { & (Join-Path $Root 'tools/Update-Docs.ps1') -ModuleOut $ModuleOut -Build { Invoke-Build } }
    'Package' { Invoke-Build; & (Join-Path $Root 'tools/New-Package.ps1') -ModuleOut $ModuleOut -OutputPath (Join-Path $Out 'packages') }
    'Clean' { Remove-Item $Out -Recurse -Force -ErrorAction Ignore; Invoke-Dotnet clean (Join-Path $Root 'SynapsePS.sln') -c $Configuration --nologo --verbosity quiet }
}
