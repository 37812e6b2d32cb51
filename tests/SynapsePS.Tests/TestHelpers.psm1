# Shared by the Pester suites: the dev server, test files, MD5s and fresh pwsh processes.
$root = (Resolve-Path "$PSScriptRoot/../..").Path
Import-Module (Join-Path $root 'tools/DevServer.psm1') -Global

function New-TestFile {
    # A file of pseudo-random bytes (deterministic per seed), or a sparse file with -Sparse.
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [long] $Length, [int] $Seed = 1, [switch] $Sparse)
    $dir = Split-Path $Path -Parent
    if ($dir -and -not (Test-Path -LiteralPath $dir)) { $null = New-Item -ItemType Directory -Path $dir }
    $stream = [IO.File]::Create($Path)
    try {
        if ($Sparse) { $stream.SetLength($Length) }
        else { Write-RandomBytes $stream $Length $Seed }
    }
    finally { $stream.Dispose() }
    Get-Item -LiteralPath $Path
}

function Write-RandomBytes([IO.Stream] $stream, [long] $Length, [int] $Seed) {
    $random = [Random]::new($Seed)
        $buffer = [byte[]]::new([Math]::Min(1MB, [Math]::Max(1, $Length)))
        for ($written = 0L; $written -lt $Length; $written += $buffer.Length) {
            $random.NextBytes($buffer)
            $stream.Write($buffer, 0, [int][Math]::Min($buffer.Length, $Length - $written))
        }
}

function Get-Md5([Parameter(Mandatory)] [string] $LiteralPath) {
    (Get-FileHash -LiteralPath $LiteralPath -Algorithm MD5).Hash.ToLowerInvariant()
}

function Get-ServerUpload([Parameter(Mandatory)] $Server, [string] $Id) {
    # Invoke-RestMethod writes a JSON array as one object; enumerate it.
    foreach ($u in (Invoke-SynapseDevApi -Server $Server -Path uploads)) { if (-not $Id -or $u.id -eq $Id) { $u } }
}

function Get-ServerRequests([Parameter(Mandatory)] $Server) {
    foreach ($r in (Invoke-SynapseDevApi -Server $Server -Path requests)) { $r }
}

function Reset-ServerLog([Parameter(Mandatory)] $Server) {
    $null = Invoke-SynapseDevApi -Server $Server -Path reset-log -Method POST
}

function Set-ServerFaults([Parameter(Mandatory)] $Server, [hashtable] $Faults = @{}) {
    $null = Invoke-SynapseDevApi -Server $Server -Path faults -Method POST -Body $Faults
}

function Get-PwshCommand {
    # A fresh pwsh like this one (a .NET tool runs as 'dotnet pwsh.dll').
    $exe = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    @($exe)
}

function Start-ChildPwsh {
    # Starts a child pwsh running a script file; returns the Process (output redirected to files).
    param([Parameter(Mandatory)] [string] $ScriptPath, [string] $OutFile, [hashtable] $Environment = @{})
    $cmd = Get-PwshCommand
    $psi = [Diagnostics.ProcessStartInfo]::new($cmd[0])
    foreach ($a in @($cmd | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $ScriptPath)) { $psi.ArgumentList.Add($a) }
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string]$Environment[$k] }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $p = [Diagnostics.Process]::Start($psi)
    $p | Add-Member -NotePropertyName OutTask -NotePropertyValue $p.StandardOutput.ReadToEndAsync()
    $p | Add-Member -NotePropertyName ErrTask -NotePropertyValue $p.StandardError.ReadToEndAsync()
    $p
}

function Wait-Until {
    # Polls a condition (bounded); returns whether it became true.
    param([Parameter(Mandatory)] [scriptblock] $Condition, [double] $TimeoutSec = 30, [int] $IntervalMs = 100)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds $IntervalMs
    }
    $false
}

Export-ModuleMember -Function *
