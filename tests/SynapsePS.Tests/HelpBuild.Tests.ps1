# The help converter every build uses (tools/Build-Help.ps1), held to golden files: markdown in
# assets/help/docs, the MAML and about text it must write in assets/help/expected.
BeforeAll {
    $script:Root = (Resolve-Path "$PSScriptRoot/../..").Path
    $script:Fixtures = Join-Path $PSScriptRoot 'assets/help'

    function Read-Normalized([string] $Path) {
        # Line endings follow the platform (XmlWriter and the converter use Environment.NewLine); the text must not.
        (Get-Content -LiteralPath $Path -Raw) -replace "`r`n", "`n"
    }
}

Describe 'Build-Help.ps1' {
    BeforeAll {
        # A platyPS that fails if anything calls it, first on the module path: the build must not use it.
        $script:Fake = Join-Path $TestDrive 'modules/platyPS/0.14.2'
        $null = New-Item -ItemType Directory -Path $Fake
        Set-Content -LiteralPath (Join-Path $Fake 'platyPS.psm1') -Value 'function New-ExternalHelp { throw "PlatyPS was used." }'
        New-ModuleManifest -Path (Join-Path $Fake 'platyPS.psd1') -RootModule 'platyPS.psm1' -ModuleVersion '0.14.2' -FunctionsToExport 'New-ExternalHelp'
        $script:Output = Join-Path $TestDrive 'en-US'
        $saved = $env:PSModulePath
        $env:PSModulePath = (Join-Path $TestDrive 'modules') + [IO.Path]::PathSeparator + $saved
        try {
            # Where the old build looked for PlatyPS, it would have found the trap.
            $script:Found = Get-Module platyPS -ListAvailable | Sort-Object Version -Descending | Select-Object -First 1
            $script:Error1 = $null
            try { & (Join-Path $Root 'tools/Build-Help.ps1') -DocsPath (Join-Path $Fixtures 'docs') -OutputPath $Output }
            catch { $script:Error1 = $_ }
        }
        finally { $env:PSModulePath = $saved }
    }

    It 'builds the help without PlatyPS even where PlatyPS is installed' {
        $Found.ModuleBase | Should -Be $Fake -Because 'the trap must be the platyPS a build would find'
        $Error1 | Should -BeNullOrEmpty
    }

    It 'writes <_> exactly as the golden file' -ForEach 'SynapsePS.dll-Help.xml', 'about_Fixture.help.txt' {
        $actual = Join-Path $Output $_
        Test-Path -LiteralPath $actual | Should -BeTrue
        Read-Normalized $actual | Should -BeExactly (Read-Normalized (Join-Path $Fixtures "expected/$_"))
    }

    It 'writes MAML PowerShell reads: one command with both parameter sets and every parameter' {
        [xml] $maml = Get-Content -LiteralPath (Join-Path $Output 'SynapsePS.dll-Help.xml') -Raw
        $command = $maml.helpItems.command
        $command.details.name | Should -Be 'Copy-Fixture'
        @($command.syntax.syntaxItem).Count | Should -Be 2
        @($command.parameters.parameter.name) | Should -Be @('Path', 'LiteralPath', 'Force')
    }
}
