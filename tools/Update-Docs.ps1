# build.ps1 -Task Docs: refresh docs/en-US from the cmdlets with PlatyPS where it is installed, then build the help
# from docs/en-US with tools/Build-Help.ps1, as every build does (PlatyPS only ever writes the markdown).
param(
    [Parameter(Mandatory)] [string] $ModuleOut,
    [scriptblock] $Build
)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot -Parent
$docs = Join-Path $root 'docs/en-US'
Import-Module (Join-Path $PSScriptRoot 'ChildPwsh.psm1')

if ($Build) { & $Build }

$platyPS = Get-Module platyPS -ListAvailable | Where-Object { $_.Version -ge [version]'0.14.0' } | Select-Object -First 1
if (-not $platyPS) {
    Write-Warning ("PlatyPS is not installed, so docs/en-US was not refreshed from the cmdlets. The shipped help is " +
        "built from docs/en-US by tools/Build-Help.ps1 on every build either way. Where the PowerShell Gallery is " +
        "reachable: Install-PSResource platyPS -Version 0.14.2, then run this task again.")
}
else {
    # A fresh pwsh, so the freshly built assembly is the one PlatyPS reflects over.
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module platyPS
Import-Module '$(Join-Path $ModuleOut 'SynapsePS.psd1')'
Update-MarkdownHelp -Path '$docs' -AlphabeticParamsOrder:`$false -UpdateInputOutput | Out-Null
`$documented = (Get-ChildItem '$docs' -Filter '*-*.md').BaseName
foreach (`$cmd in Get-Command -Module SynapsePS | Where-Object Name -NotIn `$documented) {
    New-MarkdownHelp -Command `$cmd.Name -OutputFolder '$docs' -AlphabeticParamsOrder:`$false | Out-Null
}
"@
    Invoke-ChildPwsh '-Command', $script
    if ($LASTEXITCODE -ne 0) { throw "Refreshing docs/en-US with PlatyPS failed (exit code $LASTEXITCODE)." }
    Write-Host "docs/en-US refreshed from the cmdlets with PlatyPS $($platyPS.Version)."
}
& (Join-Path $PSScriptRoot 'Build-Help.ps1') -DocsPath $docs -OutputPath (Join-Path $ModuleOut 'en-US')
