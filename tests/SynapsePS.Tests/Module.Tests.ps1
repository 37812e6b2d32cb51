# The module as shipped: manifest, layout, dependency isolation, and the gallery package round trip.
BeforeAll {
    $script:Manifest = $env:SYNAPSEPS_MODULE
    $script:ModuleDir = Split-Path $Manifest -Parent
    $script:Root = (Resolve-Path "$PSScriptRoot/../..").Path
    Import-Module (Join-Path $Root 'tools/DevServer.psm1')

    Import-Module (Join-Path $Root 'tools/ChildPwsh.psm1')

    function Invoke-FreshPwsh([string] $Script, [hashtable] $Environment = @{}) {
        # Run from TestDrive so nothing a child writes relative to its directory lands in the repository.
        Push-Location $TestDrive
        try { $out = Invoke-ChildPwsh -Environment $Environment -ArgumentList '-Command', $Script 2>&1 }
        finally { Pop-Location }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
    }

    # What a fresh pwsh shows right after importing the module: its commands (EXPORTS), a script catching a public
    # type (CAUGHT), and where the engine came from (CORE location|load context|is the default context). One pwsh
    # answers every test that only reads this.
    $script:FreshImport = $null
    function Get-FreshImport {
        if (-not $FreshImport) {
            $script:FreshImport = Invoke-FreshPwsh @"
Import-Module '$Manifest'
'EXPORTS ' + ((Get-Command -Module SynapsePS | Sort-Object Name).Name -join ',')
try { Send-SynapseChunkedUpload -LiteralPath '$TestDrive/none.bin' -Connection (Connect-Synapse http://127.0.0.1:9/ t -PassThru) -ErrorAction Stop }
catch [SynapsePS.SynapseClientException] { 'CAUGHT ' + `$_.Exception.Kind + ' ' + [SynapsePS.SynapseErrorKind]::EmptyFile }
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'SynapsePS.Core' } | ForEach-Object {
    `$context = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_)
    'CORE ' + `$_.Location + '|' + `$context.Name + '|' + (`$context -eq [Runtime.Loader.AssemblyLoadContext]::Default)
}
"@ @{ SYNAPSEPS_TEST_ENGINE = '' }
        }
        $FreshImport
    }

    # One dev server for the file, with a token for each test that uploads.
    $script:Server = Start-SynapseDevServer -ArgumentList '--token', 'iso', '--token', 'pkg'
}
AfterAll { if ($Server) { $Server | Stop-SynapseDevServer } }

Describe 'Manifest' {
    It 'passes Test-ModuleManifest' {
        $m = Test-ModuleManifest -Path $Manifest -ErrorAction Stop
        $m.Name | Should -Be 'SynapsePS'
        $m.PowerShellVersion | Should -Be ([version]'5.1')
    }

    It 'is gallery-ready: explicit exports, editions, framework, formats, PSData' {
        $data = Import-PowerShellDataFile $Manifest
        $data.CmdletsToExport | Should -Be @('Connect-Synapse', 'Send-SynapseChunkedUpload', 'Test-SynapseUploadFile', 'Invoke-SynapseBatchUpload', 'Get-SynapseUploadJournal', 'Remove-SynapseUploadJournal', 'Get-SynapseChunkedUpload')
        @($data.FunctionsToExport).Count | Should -Be 0 -Because 'FunctionsToExport must be an explicit empty list'
        @($data.AliasesToExport).Count | Should -Be 0 -Because 'AliasesToExport must be an explicit empty list'
        @($data.VariablesToExport).Count | Should -Be 0 -Because 'VariablesToExport must be an explicit empty list'
        $data.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $data.DotNetFrameworkVersion | Should -Not -BeNullOrEmpty
        $data.FormatsToProcess | Should -Contain 'SynapsePS.Format.ps1xml'
        $data.TypesToProcess | Should -Contain 'SynapsePS.Types.ps1xml'
        $data.PrivateData.PSData.Tags | Should -Contain 'Synapse'
        $data.PrivateData.PSData.LicenseUri | Should -Match '^https://'
        $data.PrivateData.PSData.ProjectUri | Should -Match '^https://'
        $data.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'exports exactly the listed cmdlets when imported' {
        $r = Get-FreshImport
        ($r.Output -split '\r?\n' | Where-Object { $_ -like 'EXPORTS *' }) | Should -Be 'EXPORTS Connect-Synapse,Get-SynapseChunkedUpload,Get-SynapseUploadJournal,Invoke-SynapseBatchUpload,Remove-SynapseUploadJournal,Send-SynapseChunkedUpload,Test-SynapseUploadFile'
    }
}

Describe 'Layout of the built module' {
    It 'ships the cmdlets and the public types at the root and the engine with its dependencies under dependencies/' {
        Test-Path (Join-Path $ModuleDir 'SynapsePS.dll') | Should -BeTrue
        Test-Path (Join-Path $ModuleDir 'SynapsePS.Model.dll') | Should -BeTrue
        Test-Path (Join-Path $ModuleDir 'SynapsePS.Core.dll') | Should -BeFalse
        @(Get-ChildItem (Join-Path $ModuleDir 'dependencies') -Recurse -Filter 'SynapsePS.Model.dll') | Should -HaveCount 0
        Test-Path (Join-Path $ModuleDir 'Polly.Core.dll') | Should -BeFalse
        foreach ($flavour in 'net8.0', 'netstandard2.0') {
            Test-Path (Join-Path $ModuleDir "dependencies/$flavour/SynapsePS.Core.dll") | Should -BeTrue
            Test-Path (Join-Path $ModuleDir "dependencies/$flavour/Polly.Core.dll") | Should -BeTrue
        }
    }

    It 'builds <_> for netstandard2.0, so Windows PowerShell 5.1 can load it' -ForEach 'SynapsePS.dll', 'SynapsePS.Model.dll', 'dependencies/netstandard2.0/SynapsePS.Core.dll' {
        $text = [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes((Join-Path $ModuleDir $_)))
        $text | Should -Match '\.NETStandard,Version=v2\.0'
    }

    It 'lets scripts name the public types while the engine stays isolated' {
        $r = Get-FreshImport
        $r.Output | Should -Match 'CAUGHT PathNotFound EmptyFile'
        $r.Output | Should -Match 'CORE .*\|False'
    }

    # The netstandard2.0 engine, loaded when SYNAPSEPS_TEST_ENGINE asks for it, is checked by the run that uses it
    # (tests/SynapsePS.Tests.NetStandard).
    It 'loads the net8.0 engine on PowerShell 7 by default' {
        $r = Get-FreshImport
        $r.Output | Should -Match 'CORE .*dependencies[/\\]net8\.0[/\\]SynapsePS\.Core\.dll'
    }

    It 'ships LICENSE and CHANGELOG.md' {
        Test-Path (Join-Path $ModuleDir 'LICENSE') | Should -BeTrue
        Test-Path (Join-Path $ModuleDir 'CHANGELOG.md') | Should -BeTrue
    }
}

Describe 'Dependency isolation' {
    BeforeAll {
        $project = Join-Path $PSScriptRoot 'assets/OtherPolly.Restore.csproj'
        & dotnet restore $project --nologo --verbosity quiet | Out-Null
        $LASTEXITCODE | Should -Be 0
        $packages = ((& dotnet nuget locals global-packages --list --force-english-output) -replace '^global-packages:\s*', '').Trim()
        $script:OtherPolly = Join-Path $packages 'polly.core/8.4.2/lib/net8.0/Polly.Core.dll'
    }

    It 'loads beside another Polly.Core version: both work in one pwsh' {
        $file = Join-Path $TestDrive 'isolation.bin'
        [IO.File]::WriteAllBytes($file, [byte[]](1..200 | ForEach-Object { $_ % 256 }))
        $script = @"
`$ErrorActionPreference = 'Stop'
`$other = [Reflection.Assembly]::LoadFrom('$OtherPolly')
function Use-OtherPolly([int] `$value) {
    `$pipeline = [Activator]::CreateInstance(`$other.GetType('Polly.ResiliencePipelineBuilder')).Build()
    `$global:seen = 0
    `$pipeline.Execute([Action] { `$global:seen = `$value })
    `$global:seen
}
`$before = Use-OtherPolly 41
Import-Module '$Manifest'
`$env:SYNAPSEPS_STATE_DIR = '$TestDrive/state'
Connect-Synapse -BaseUrl '$($Server.Url)' -AccessToken iso
`$r = Send-SynapseChunkedUpload -LiteralPath '$file'
`$after = Use-OtherPolly 42
# Polly keeps its assembly version at 8.0.0.0, so tell the two copies apart by where they were loaded from.
`$locations = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Polly.Core' } | ForEach-Object Location
[pscustomobject]@{ Before = `$before; After = `$after; Md5 = `$r.Md5; Locations = @(`$locations) } | ConvertTo-Json -Compress
"@
        $r = Invoke-FreshPwsh $script
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $json = ($r.Output -split "`n" | Where-Object { $_ -like '{*' } | Select-Object -Last 1) | ConvertFrom-Json
        $json.Before | Should -Be 41
        $json.After | Should -Be 42
        $json.Md5 | Should -Be (Get-FileHash -LiteralPath $file -Algorithm MD5).Hash.ToLowerInvariant()
        $json.Locations | Should -HaveCount 2 -Because 'the other Polly and ours are loaded side by side'
        $json.Locations | Should -Contain $OtherPolly
        $json.Locations | Should -Contain (Join-Path $ModuleDir 'dependencies/net8.0/Polly.Core.dll')
    }
}

Describe 'Gallery package' {
    BeforeAll {
        $script:PackageDir = Join-Path $TestDrive 'repo'
        & (Join-Path $Root 'tools/New-Package.ps1') -ModuleOut $ModuleDir -OutputPath $PackageDir
        $script:Nupkg = Get-ChildItem $PackageDir -Filter 'SynapsePS.*.nupkg' | Select-Object -First 1
    }

    It 'produces a .nupkg with the manifest, assemblies, help, LICENSE and CHANGELOG' {
        $Nupkg | Should -Not -BeNullOrEmpty
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($Nupkg.FullName)
        try { $entries = $zip.Entries.FullName -replace '%20', ' ' } finally { $zip.Dispose() }
        $entries | Should -Contain 'SynapsePS.psd1'
        $entries | Should -Contain 'SynapsePS.dll'
        $entries | Should -Contain 'LICENSE'
        $entries | Should -Contain 'CHANGELOG.md'
        $entries | Should -Contain 'dependencies/net8.0/Polly.Core.dll'
        $entries | Should -Contain 'en-US/SynapsePS.dll-Help.xml'
        $entries | Should -Contain 'SynapsePS.Format.ps1xml'
        $entries | Should -Contain 'SynapsePS.Types.ps1xml'
    }

    It 'installs with Install-PSResource into a temporary path, imports by name, and uploads' {
        $home2 = Join-Path $TestDrive 'userdata'
        $file = Join-Path $TestDrive 'installed.bin'
        [IO.File]::WriteAllBytes($file, [byte[]](1..5000 | ForEach-Object { $_ % 251 }))
        # A throwaway user profile: CurrentUser scope (modules and PSResourceGet's repository list) lives under it.
        $envs = @{ HOME = $home2; XDG_DATA_HOME = (Join-Path $home2 '.local/share'); XDG_CONFIG_HOME = (Join-Path $home2 '.config');
                   LOCALAPPDATA = $home2; USERPROFILE = $home2; SYNAPSEPS_STATE_DIR = (Join-Path $TestDrive 'pkgstate') }
        # One fresh pwsh installs, then imports by name from the throwaway profile's module folder, and uploads.
        $install = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name SynapsePSTest -Uri '$PackageDir' -Trusted
try { Install-PSResource -Name SynapsePS -Repository SynapsePSTest -Scope CurrentUser -TrustRepository -Quiet }
finally { Unregister-PSResourceRepository -Name SynapsePSTest }
'INSTALLED ' + (Get-InstalledPSResource -Name SynapsePS -Scope CurrentUser).InstalledLocation
Import-Module SynapsePS
'IMPORTED ' + (Get-Module SynapsePS).ModuleBase
`$r = Send-SynapseChunkedUpload -LiteralPath '$file' -Connection (Connect-Synapse -BaseUrl '$($Server.Url)' -AccessToken pkg -PassThru)
'MD5=' + `$r.Md5
"@
        $r = Invoke-FreshPwsh $install $envs
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output | Should -Match ('INSTALLED .*' + [regex]::Escape($home2))
        $r.Output | Should -Match ('IMPORTED ' + [regex]::Escape($home2))
        $r.Output | Should -Match ('MD5=' + (Get-FileHash -LiteralPath $file -Algorithm MD5).Hash.ToLowerInvariant())
    }
}
