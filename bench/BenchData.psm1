# The benchmark's data files: one JSON file per section in bench/results/<Section>.json, holding when and on
# what machine the section was measured, the command that measured it, its parameters and every raw run.
# The measuring scripts write them; Write-PerformanceReport.ps1 reads nothing else.

function Get-LoadAverage { [double]((Get-Content /proc/loadavg) -split ' ')[0] }

function Get-MachineInfo {
    # What the figures depend on: the hardware, the software versions, and how busy the machine was.
    $python = & /usr/bin/python3 -c 'import sys, requests; print(sys.version.split()[0], requests.__version__)' 2>$null
    $python = if ($LASTEXITCODE -eq 0) { $python -split ' ' } else { 'n/a', 'n/a' }
    [ordered]@{
        Cpu        = ((Get-Content /proc/cpuinfo) -match '^model name' | Select-Object -First 1) -replace '^model name\s*:\s*', ''
        Cores      = [Environment]::ProcessorCount
        MemoryGiB  = [Math]::Round([long](@((Get-Content /proc/meminfo) -match '^MemTotal:')[0] -replace '\D', '') * 1KB / 1GB, 1)
        Os         = "$(((Get-Content /etc/os-release) -match '^PRETTY_NAME=') -replace '^PRETTY_NAME=|"', '')"
        Kernel     = (& uname -r)
        DotNet     = (& dotnet --version)
        PowerShell = "$($PSVersionTable.PSVersion)"
        Python     = $python[0]
        Requests   = $python[1]
        TempFs     = ((& df -T ([IO.Path]::GetTempPath()) | Select-Object -Last 1) -split '\s+')[1]
        ServerStorage = if (Test-Path /dev/shm) { 'tmpfs (/dev/shm)' } else { 'local disk' }
    }
}

function New-BenchSection {
    # Starts a section's record: call before measuring, fill .Series with Add-BenchRun, then Save-BenchSection.
    param([Parameter(Mandatory)] [string] $Name, [Parameter(Mandatory)] [string] $Command, [System.Collections.IDictionary] $Parameters = @{})
    [ordered]@{
        Section     = $Name
        Measured    = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm')
        Command     = $Command
        Parameters  = $Parameters
        Machine     = Get-MachineInfo
        LoadAtStart = Get-LoadAverage
        LoadAtEnd   = $null
        Series      = [ordered]@{}
    }
}

function Add-BenchRun {
    # One run of a series (an object with Seconds, CpuSeconds, PeakRss and whatever else the section reads).
    param([Parameter(Mandatory)] $Section, [Parameter(Mandatory)] [string] $Series, [Parameter(Mandatory)] $Run)
    if (-not $Section.Series.Contains($Series)) { $Section.Series[$Series] = [Collections.ArrayList]::new() }
    $null = $Section.Series[$Series].Add(($Run | Select-Object -Property * -ExcludeProperty Output))
}

function Save-BenchSection {
    param([Parameter(Mandatory)] $Section, [Parameter(Mandatory)] [string] $ResultsPath)
    $Section.LoadAtEnd = Get-LoadAverage
    $null = New-Item -ItemType Directory -Force -Path $ResultsPath
    $path = Join-Path $ResultsPath "$($Section.Section).json"
    $Section | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $path
    Write-Host "Saved $path"
}

function Read-BenchSections {
    # Every section's data in $ResultsPath, by section name.
    param([Parameter(Mandatory)] [string] $ResultsPath)
    $sections = @{}
    foreach ($file in Get-ChildItem -LiteralPath $ResultsPath -Filter '*.json' -ErrorAction Ignore) {
        $data = Get-Content -LiteralPath $file.FullName -Raw | ConvertFrom-Json
        $sections[$data.Section] = $data
    }
    $sections
}

Export-ModuleMember -Function New-BenchSection, Add-BenchRun, Save-BenchSection, Read-BenchSections
