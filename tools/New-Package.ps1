# Packs the built module as a gallery .nupkg with Publish-PSResource into a local folder repository.
param(
    [Parameter(Mandatory)] [string] $ModuleOut,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop   # in the box since PowerShell 7.4

$null = New-Item -ItemType Directory -Force -Path $OutputPath
$manifest = Import-PowerShellDataFile (Join-Path $ModuleOut 'SynapsePS.psd1')
Get-ChildItem $OutputPath -Filter "SynapsePS.$($manifest.ModuleVersion).nupkg" | Remove-Item -Force

$repository = 'SynapsePS-Build-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
Register-PSResourceRepository -Name $repository -Uri ([IO.Path]::GetFullPath($OutputPath)) -Trusted
try {
    Publish-PSResource -Path $ModuleOut -Repository $repository
}
finally {
    Unregister-PSResourceRepository -Name $repository
}
$package = Join-Path $OutputPath "SynapsePS.$($manifest.ModuleVersion).nupkg"
if (-not (Test-Path $package)) { throw "Publish-PSResource did not produce $package." }
Write-Host "Package: $package"
