# Help that works offline, and docs that cannot drift from the cmdlets.
BeforeDiscovery {
    $script:CmdletNames = (Import-PowerShellDataFile $env:SYNAPSEPS_MODULE).CmdletsToExport
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module $env:SYNAPSEPS_MODULE -Force
    $script:Root = (Resolve-Path "$PSScriptRoot/../..").Path
    $script:Docs = Join-Path $Root 'docs/en-US'
    $script:ModuleDir = Split-Path $env:SYNAPSEPS_MODULE -Parent
    $script:Common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters

    # Get-Help in a fresh pwsh, as a user would see it.
    $script:HelpJson = Join-Path $TestDrive 'help.json'
    $script = Join-Path $TestDrive 'help.ps1'
    Set-Content -LiteralPath $script -Value @"
Import-Module '$env:SYNAPSEPS_MODULE'
`$out = @{}
foreach (`$c in (Get-Command -Module SynapsePS)) {
    `$h = Get-Help `$c.Name -Full
    `$out[`$c.Name] = @{
        Synopsis = [string]`$h.Synopsis
        Description = (@(`$h.description) | ForEach-Object Text) -join ' '
        Examples = @(`$h.examples.example).Count
        Parameters = @(`$h.parameters.parameter | ForEach-Object { @{ Name = `$_.name; Description = ((@(`$_.description) | ForEach-Object Text) -join ' ') } })
    }
}
`$out['about'] = (Get-Help about_SynapsePS | Out-String)
`$out | ConvertTo-Json -Depth 5 | Set-Content '$HelpJson'
"@
    $p = Start-ChildPwsh -ScriptPath $script
    $null = $p.WaitForExit(120000)
    $script:Help = Get-Content -LiteralPath $HelpJson -Raw | ConvertFrom-Json
}

Describe 'Help for <_>' -ForEach $CmdletNames {
    BeforeAll {
        $script:Name = $_
        $script:Page = Join-Path $Docs "$Name.md"
        $script:Actual = @((Get-Command $Name).Parameters.Keys | Where-Object { $_ -notin $Common }) + @(
            (Get-Command $Name).Parameters.Keys | Where-Object { $_ -in 'WhatIf', 'Confirm' })
        $script:Actual = $Actual | Sort-Object -Unique
    }

    It 'has a PlatyPS page' {
        Test-Path -LiteralPath $Page | Should -BeTrue
        $text = Get-Content -LiteralPath $Page -Raw
        foreach ($section in '## SYNOPSIS', '## SYNTAX', '## DESCRIPTION', '## EXAMPLES', '## PARAMETERS', '## INPUTS', '## OUTPUTS', '## NOTES', '## RELATED LINKS') {
            $text | Should -Match ([regex]::Escape($section))
        }
        $text | Should -Match 'external help file: SynapsePS.dll-Help.xml'
    }

    It 'documents exactly the cmdlet''s parameters' {
        $documented = Select-String -LiteralPath $Page -Pattern '^### -(\w+)' | ForEach-Object { $_.Matches[0].Groups[1].Value } | Sort-Object -Unique
        $documented | Should -Be $Actual
    }

    It 'shows a real synopsis, description, examples and every parameter in Get-Help' {
        $h = $Help.$Name
        $h.Synopsis | Should -Not -BeNullOrEmpty
        $h.Synopsis | Should -Not -Match "^\s*$Name\s+\[" -Because 'an auto-generated synopsis is only the syntax'
        $h.Description.Length | Should -BeGreaterThan 100
        $h.Examples | Should -BeGreaterOrEqual 2
        foreach ($param in $Actual) {
            $entry = $h.Parameters | Where-Object Name -EQ $param
            $entry | Should -Not -BeNullOrEmpty -Because "Get-Help must list -$param"
            $entry.Description | Should -Not -BeNullOrEmpty -Because "-$param needs a description"
        }
    }
}

Describe 'Shipped help files' {
    It 'ships MAML under the name PowerShell looks for, and the about topic' {
        Test-Path -LiteralPath (Join-Path $ModuleDir 'en-US/SynapsePS.dll-Help.xml') | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $ModuleDir 'en-US/about_SynapsePS.help.txt') | Should -BeTrue
        [xml] $maml = Get-Content -LiteralPath (Join-Path $ModuleDir 'en-US/SynapsePS.dll-Help.xml') -Raw
        @($maml.helpItems.command).Count | Should -Be $CmdletNames.Count
    }

    It 'answers Get-Help about_SynapsePS' {
        $Help.about | Should -Match 'Content-Range'
        $Help.about | Should -Match 'SYNAPSEPS_STATE_DIR'
    }

    It 'has a module page and an error-id table covering every ErrorId' {
        Test-Path -LiteralPath (Join-Path $Docs 'SynapsePS.md') | Should -BeTrue
        $table = Get-Content -LiteralPath (Join-Path $Root 'docs/error-ids.md') -Raw
        foreach ($id in [enum]::GetNames([SynapsePS.SynapseErrorKind])) {
            $table | Should -Match ([regex]::Escape("| ``$id`` |")) -Because "$id must be documented"
        }
    }
}
