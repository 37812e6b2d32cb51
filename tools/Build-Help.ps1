<#
.SYNOPSIS
    Builds the module's external help from the PlatyPS markdown in docs/en-US.
.DESCRIPTION
    Writes <OutputPath>/SynapsePS.dll-Help.xml (MAML; PowerShell looks for '<assembly file name>-Help.xml' in
    the culture folder next to the module, with that exact casing on Linux) and about_SynapsePS.help.txt.
    It reads the PlatyPS 0.14 schema (the sections PlatyPS writes) and emits MAML the way PlatyPS does. Every
    build uses this converter, whether or not PlatyPS is installed, so the shipped help depends on docs/en-US
    alone; tests/SynapsePS.Tests/Help.Tests.ps1 holds it to golden files (tests/SynapsePS.Tests/assets/help).
    Runs on Windows PowerShell 5.1 and PowerShell 7.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$null = New-Item -ItemType Directory -Force -Path $OutputPath

$maml = 'http://schemas.microsoft.com/maml/2004/10'
$command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$dev = 'http://schemas.microsoft.com/maml/dev/2004/10'

function Split-Sections([string[]] $Lines, [string] $Prefix) {
    # Ordered map of heading text -> lines under it, for headings that start with $Prefix (code blocks skipped).
    $sections = [ordered]@{}
    $current = $null
    $inCode = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') { $inCode = -not $inCode }
        if (-not $inCode -and $line.StartsWith($Prefix) -and -not $line.StartsWith($Prefix + '#')) {
            $current = $line.Substring($Prefix.Length).Trim()
            $sections[$current] = New-Object System.Collections.Generic.List[string]
        }
        elseif ($null -ne $current) { $sections[$current].Add($line) }
    }
    $sections
}

function Get-Paragraphs([string[]] $Lines) {
    # Text paragraphs (blank-line separated); code fences become their plain content.
    $paragraphs = New-Object System.Collections.Generic.List[string]
    $buffer = New-Object System.Collections.Generic.List[string]
    $inCode = $false
    foreach ($line in $Lines) {
        if ($line -match '^```') {
            if ($buffer.Count) { $paragraphs.Add(($buffer -join [Environment]::NewLine)); $buffer.Clear() }
            $inCode = -not $inCode
            continue
        }
        if ($inCode) { $buffer.Add($line); continue }
        if ($line.Trim() -eq '') {
            if ($buffer.Count) { $paragraphs.Add(($buffer -join ' ')); $buffer.Clear() }
        }
        else { $buffer.Add($line.Trim()) }
    }
    if ($buffer.Count) { $paragraphs.Add(($buffer -join ' ')) }
    , $paragraphs
}

function Get-CodeBlocks([string[]] $Lines) {
    # Returns @{ Code = fenced blocks tagged powershell (or untagged); Rest = every other line }.
    $code = New-Object System.Collections.Generic.List[string]
    $rest = New-Object System.Collections.Generic.List[string]
    $mode = $null
    foreach ($line in $Lines) {
        if ($line -match '^```(\w*)') {
            if ($null -eq $mode) { $mode = if ($Matches[1] -in @('', 'powershell', 'ps1')) { 'code' } else { 'other' }; if ($mode -eq 'other') { $rest.Add('') } ; continue }
            $mode = $null; continue
        }
        if ($mode -eq 'code') { $code.Add($line) } else { $rest.Add($line) }
    }
    @{ Code = ($code -join [Environment]::NewLine).Trim(); Rest = $rest.ToArray() }
}

function Read-CommandPage([string] $Path) {
    $lines = [IO.File]::ReadAllLines($Path)
    if ($lines[0] -eq '---') {
        $end = [Array]::IndexOf($lines, '---', 1)
        $lines = $lines[($end + 1)..($lines.Length - 1)]
    }
    $name = ($lines | Where-Object { $_ -match '^# ' } | Select-Object -First 1).Substring(2).Trim()
    $s = Split-Sections $lines '## '
    $page = @{ Name = $name; Synopsis = ''; Description = @(); Sets = @(); Parameters = [ordered]@{}; Examples = @(); Inputs = @(); Outputs = @(); Notes = @(); Links = @() }
    if ($s.Contains('SYNOPSIS')) { $page.Synopsis = (Get-Paragraphs $s['SYNOPSIS']) -join ' ' }
    if ($s.Contains('DESCRIPTION')) { $page.Description = Get-Paragraphs $s['DESCRIPTION'] }
    if ($s.Contains('NOTES')) { $page.Notes = Get-Paragraphs $s['NOTES'] }

    if ($s.Contains('SYNTAX')) {
        $sets = Split-Sections $s['SYNTAX'] '### '
        if ($sets.Count -eq 0) { $sets = [ordered]@{ '__AllParameterSets' = $s['SYNTAX'] } }
        foreach ($key in $sets.Keys) {
            $text = (Get-CodeBlocks $sets[$key]).Code
            $names = [regex]::Matches($text, '(?<![\w-])-(\w+)') | ForEach-Object { $_.Groups[1].Value } | Where-Object { $_ -ne 'CommonParameters' }
            $page.Sets += , @{ Name = ($key -replace '\s*\(Default\)\s*$', ''); Parameters = @($names) }
        }
    }

    if ($s.Contains('PARAMETERS')) {
        $params = Split-Sections $s['PARAMETERS'] '### '
        foreach ($key in $params.Keys) {
            if (-not $key.StartsWith('-')) { continue }
            $body = $params[$key]
            $yaml = @{}
            $inYaml = $false
            $descLines = New-Object System.Collections.Generic.List[string]
            foreach ($line in $body) {
                if ($line -match '^```yaml') { $inYaml = $true; continue }
                if ($inYaml -and $line -match '^```') { $inYaml = $false; continue }
                if ($inYaml) { if ($line -match '^([\w ]+):\s*(.*)$') { $yaml[$Matches[1].Trim()] = $Matches[2].Trim() } }
                else { $descLines.Add($line) }
            }
            $page.Parameters[$key.Substring(1)] = @{ Name = $key.Substring(1); Description = (Get-Paragraphs $descLines); Yaml = $yaml }
        }
    }

    if ($s.Contains('EXAMPLES')) {
        $examples = Split-Sections $s['EXAMPLES'] '### '
        foreach ($key in $examples.Keys) {
            $parts = Get-CodeBlocks $examples[$key]
            $page.Examples += , @{ Title = $key; Code = $parts.Code; Remarks = (Get-Paragraphs $parts.Rest) }
        }
    }
    foreach ($kind in 'INPUTS', 'OUTPUTS') {
        if (-not $s.Contains($kind)) { continue }
        $types = Split-Sections $s[$kind] '### '
        $list = @()
        foreach ($key in $types.Keys) { $list += , @{ Type = $key; Description = (Get-Paragraphs $types[$key]) } }
        if ($kind -eq 'INPUTS') { $page.Inputs = $list } else { $page.Outputs = $list }
    }
    if ($s.Contains('RELATED LINKS')) {
        foreach ($m in [regex]::Matches(($s['RELATED LINKS'] -join "`n"), '\[([^\]]+)\]\(([^)]*)\)')) {
            $uri = $m.Groups[2].Value
            if ($uri -like '*.md') { $uri = '' }
            $page.Links += , @{ Text = $m.Groups[1].Value; Uri = $uri }
        }
    }
    $page
}

function Write-Paras($w, [string[]] $Paragraphs) {
    foreach ($p in $Paragraphs) { $w.WriteElementString('para', $maml, $p) }
}

function Write-Parameter($w, $param, [string] $setName, [bool] $inSyntax) {
    $y = $param.Yaml
    $sets = if ($y.ContainsKey('Parameter Sets')) { $y['Parameter Sets'] } else { '(All)' }
    $type = if ($y.ContainsKey('Type')) { $y['Type'] } else { 'Object' }
    $w.WriteStartElement('command', 'parameter', $command)
    $w.WriteAttributeString('required', ([string]($y['Required'] -eq 'True')).ToLowerInvariant())
    $w.WriteAttributeString('variableLength', ([string]($type -like '*`[`]')).ToLowerInvariant())
    $w.WriteAttributeString('globbing', ([string]($y['Accept wildcard characters'] -eq 'True')).ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', $(if ($y.ContainsKey('Accept pipeline input')) { $y['Accept pipeline input'] } else { 'False' }))
    $w.WriteAttributeString('position', $(if ($y['Position'] -match '^\d+$') { $y['Position'] } else { 'named' }))
    $w.WriteAttributeString('aliases', $(if ($y['Aliases'] -and $y['Aliases'] -ne 'None') { $y['Aliases'] } else { 'none' }))
    $w.WriteElementString('name', $maml, $param.Name)
    $w.WriteStartElement('maml', 'description', $maml); Write-Paras $w $param.Description; $w.WriteEndElement()
    if (-not ($inSyntax -and $type -eq 'SwitchParameter')) {
        $w.WriteStartElement('command', 'parameterValue', $command)
        $w.WriteAttributeString('required', ([string]($type -ne 'SwitchParameter')).ToLowerInvariant())
        $w.WriteAttributeString('variableLength', 'false')
        $w.WriteString($type)
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $dev); $w.WriteElementString('name', $maml, $type); $w.WriteElementString('uri', $maml, ''); $w.WriteEndElement()
    $w.WriteElementString('defaultValue', $dev, $(if ($y.ContainsKey('Default value')) { $y['Default value'] } else { 'None' }))
    $w.WriteEndElement()
}

function Write-TypeList($w, [string] $listName, [string] $itemName, $items) {
    $w.WriteStartElement('command', $listName, $command)
    foreach ($item in $items) {
        $w.WriteStartElement('command', $itemName, $command)
        $w.WriteStartElement('dev', 'type', $dev); $w.WriteElementString('name', $maml, $item.Type); $w.WriteEndElement()
        $w.WriteStartElement('maml', 'description', $maml); Write-Paras $w $item.Description; $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
}

function Write-Command($w, $page) {
    $w.WriteStartElement('command', 'command', $command)
    $w.WriteAttributeString('xmlns', 'maml', $null, $maml)
    $w.WriteAttributeString('xmlns', 'dev', $null, $dev)
    $w.WriteStartElement('command', 'details', $command)
    $w.WriteElementString('name', $command, $page.Name)
    $verb, $noun = $page.Name -split '-', 2
    $w.WriteElementString('verb', $command, $verb)
    $w.WriteElementString('noun', $command, $noun)
    $w.WriteStartElement('maml', 'description', $maml); Write-Paras $w @($page.Synopsis); $w.WriteEndElement()
    $w.WriteEndElement()

    $w.WriteStartElement('maml', 'description', $maml); Write-Paras $w $page.Description; $w.WriteEndElement()

    $w.WriteStartElement('command', 'syntax', $command)
    foreach ($set in $page.Sets) {
        $w.WriteStartElement('command', 'syntaxItem', $command)
        $w.WriteElementString('name', $maml, $page.Name)
        foreach ($n in $set.Parameters) { if ($page.Parameters.Contains($n)) { Write-Parameter $w $page.Parameters[$n] $set.Name $true } }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $command)
    foreach ($p in $page.Parameters.Values) { Write-Parameter $w $p '' $false }
    $w.WriteEndElement()

    Write-TypeList $w 'inputTypes' 'inputType' $page.Inputs
    Write-TypeList $w 'returnValues' 'returnValue' $page.Outputs

    $w.WriteStartElement('maml', 'alertSet', $maml)
    $w.WriteStartElement('maml', 'alert', $maml); Write-Paras $w $page.Notes; $w.WriteEndElement()
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $command)
    foreach ($e in $page.Examples) {
        $w.WriteStartElement('command', 'example', $command)
        $w.WriteElementString('title', $maml, "-------------------------- $($e.Title) --------------------------")
        $w.WriteElementString('code', $dev, $e.Code)
        $w.WriteStartElement('dev', 'remarks', $dev); Write-Paras $w $e.Remarks; $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $command)
    foreach ($l in $page.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $maml)
        $w.WriteElementString('linkText', $maml, $l.Text)
        $w.WriteElementString('uri', $maml, $l.Uri)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}

# ---- MAML for every cmdlet page (the module page and about topics are not cmdlets)
$pages = Get-ChildItem -LiteralPath $DocsPath -Filter '*-*.md' | Sort-Object Name
$settings = New-Object System.Xml.XmlWriterSettings
$settings.Indent = $true
$settings.Encoding = New-Object System.Text.UTF8Encoding($false)
$helpFile = Join-Path $OutputPath 'SynapsePS.dll-Help.xml'
$w = [System.Xml.XmlWriter]::Create($helpFile, $settings)
try {
    $w.WriteStartDocument()
    $w.WriteStartElement('helpItems', 'http://msh')
    $w.WriteAttributeString('schema', 'maml')
    foreach ($file in $pages) { Write-Command $w (Read-CommandPage $file.FullName) }
    $w.WriteEndElement()
    $w.WriteEndDocument()
}
finally { $w.Dispose() }

# ---- about topics: markdown headings become the classic about_ layout, text wrapped at 80 columns
function Format-Wrapped([string] $Text, [int] $Indent, [int] $Width = 80) {
    $pad = ' ' * $Indent
    $out = New-Object System.Collections.Generic.List[string]
    $line = ''
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if ($line.Length -and ($pad.Length + $line.Length + 1 + $word.Length) -gt $Width) { $out.Add($pad + $line); $line = $word }
        elseif ($line.Length) { $line += ' ' + $word }
        else { $line = $word }
    }
    if ($line.Length) { $out.Add($pad + $line) }
    $out
}

foreach ($about in Get-ChildItem -LiteralPath $DocsPath -Filter 'about_*.md') {
    $lines = [IO.File]::ReadAllLines($about.FullName)
    $topic = [IO.Path]::GetFileNameWithoutExtension($about.Name)
    $text = New-Object System.Collections.Generic.List[string]
    $text.Add('TOPIC'); $text.Add('    ' + $topic); $text.Add('')
    $paragraph = New-Object System.Collections.Generic.List[string]
    $flush = {
        if ($paragraph.Count) {
            $joined = $paragraph -join ' '
            if ($joined.StartsWith('- ')) {
                # A list item: a hanging indent under its dash.
                $wrapped = @(Format-Wrapped $joined.Substring(2) 6)
                $wrapped[0] = '    - ' + $wrapped[0].TrimStart()
                foreach ($l in $wrapped) { $text.Add($l) }
            }
            else { foreach ($l in (Format-Wrapped $joined 4)) { $text.Add($l) } }
            $paragraph.Clear()
        }
    }
    $skipTitle = $true
    foreach ($line in $lines) {
        if ($skipTitle -and ($line -match ('^# ' + [regex]::Escape(($topic -replace '^about_', '')) + '\s*$') -or $line -match '^## about_')) { continue }
        if ($line -match '^#+ (.+)$') {
            $skipTitle = $false
            & $flush
            if ($text[$text.Count - 1] -ne '') { $text.Add('') }
            $text.Add($Matches[1].Trim().ToUpperInvariant())
            continue
        }
        $skipTitle = $false
        if ($line -match '^    ') { & $flush; $text.Add('    ' + $line); continue }   # code stays as written
        if ($line.Trim() -eq '') { & $flush; if ($text[$text.Count - 1] -ne '') { $text.Add('') }; continue }
        if ($line -match '^- ') { & $flush }
        $paragraph.Add($line.Trim())
    }
    & $flush
    [IO.File]::WriteAllLines((Join-Path $OutputPath "$topic.help.txt"), $text.ToArray(), (New-Object System.Text.UTF8Encoding($false)))
}
