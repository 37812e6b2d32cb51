# build.ps1 -Task Docs: refresh docs/en-US from the cmdlets with PlatyPS where it is installed, then build the help.
param(
    [Parameter(Mandatory)] [string] $ModuleOut,
    [scriptblock] $Build
)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
$docs = Join-Path $root 'docs/en-US'

if ($Build) { & $Build }

$platyPS = Get-Module platyPS -ListAvailable | Where-Object { $_.Version -ge [version]'0.14.0' } | Select-Object -First 1
if (-not $platyPS) {
    Write-Warning ("PlatyPS is not installed, so docs/en-US was not refreshed from the cmdlets. The shipped help is " +
        "built from docs/en-US by tools/Build-Help.ps1 on every build either way. Where the PowerShell Gallery is " +
        "reachable: Install-PSResource platyPS -Version 0.14.2, then run this task again.")
    & (Join-Path $PSScriptRoot 'Build-Help.ps1') -DocsPath $docs -OutputPath (Join-Path $ModuleOut 'en-US')
    return
}

# A fresh pwsh, so the freshly built assembly is the one PlatyPS reflects over.
$exe = [Environment]::ProcessPath
$prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
$script = @"
`$ErrorActionPreference = 'Stop'
Import-Module platyPS
Import-Module '$(Join-Path $ModuleOut 'SynapsePS.psd1')'
Update-MarkdownHelp -Path '$docs' -AlphabeticParamsOrder:`$false -UpdateInputOutput | Out-Null
`$documented = (Get-ChildItem '$docs' -Filter '*-*.md').BaseName
foreach (`$cmd in Get-Command -Module SynapsePS | Where-Object Name -NotIn `$documented) {
    New-MarkdownHelp -Command `$cmd.Name -OutputFolder '$docs' -AlphabeticParamsOrder:`$false | Out-Null
}
New-ExternalHelp -Path '$docs' -OutputPath '$(Join-Path $ModuleOut 'en-US')' -Force | Out-Null
"@
& $exe @prefix -NoProfile -NonInteractive -Command $script
if ($LASTEXITCODE -ne 0) { throw "Refreshing the help with PlatyPS failed (exit code $LASTEXITCODE)." }
Write-Host "docs/en-US refreshed from the cmdlets and help rebuilt with PlatyPS $($platyPS.Version)."
