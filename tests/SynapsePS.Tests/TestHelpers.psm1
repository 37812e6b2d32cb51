# Shared by the Pester suites: the dev server (tools/DevServer.psm1, re-exported), test files, MD5s, the
# server's records, and fresh pwsh processes.
$root = (Resolve-Path "$PSScriptRoot/../..").Path
Import-Module (Join-Path $root 'tools/DevServer.psm1')
Import-Module (Join-Path $root 'tools/ChildPwsh.psm1')

function New-TestFile {
    # A file of pseudo-random bytes (deterministic per seed), or with -Sparse a file of that length with no data
    # written (FileStream.SetLength), for "too large" checks without gigabytes on disk.
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [long] $Length,
        [int] $Seed = 1,
        [switch] $Sparse
    )
    $dir = Split-Path $Path -Parent
    if ($dir -and -not (Test-Path -LiteralPath $dir)) { $null = New-Item -ItemType Directory -Path $dir }
    $stream = [IO.File]::Create($Path)
    try {
        if ($Sparse) {
            $stream.SetLength($Length)
        }
        else {
            $random = [Random]::new($Seed)
            $buffer = [byte[]]::new([Math]::Min(1MB, [Math]::Max(1, $Length)))
            for ($written = 0L; $written -lt $Length; $written += $buffer.Length) {
                $random.NextBytes($buffer)
                $stream.Write($buffer, 0, [int][Math]::Min($buffer.Length, $Length - $written))
            }
        }
    }
    finally { $stream.Dispose() }
    Get-Item -LiteralPath $Path -Force
}

function Get-Md5 {
    # Lowercase hex MD5 of a file (the form the cmdlets and the server use).
    param([Parameter(Mandatory, Position = 0)] [Alias('Path')] [string] $LiteralPath)
    (Get-FileHash -LiteralPath $LiteralPath -Algorithm MD5).Hash.ToLowerInvariant()
}

function Get-ServerUpload {
    # The server's upload records (GET /_dev/uploads), or the one with -Id.
    param([Parameter(Mandatory)] $Server, [string] $Id)
    # Invoke-RestMethod may write a JSON array as one object; enumerate it.
    foreach ($u in (Invoke-SynapseDevApi -Server $Server -Path uploads)) { if (-not $Id -or $u.id -eq $Id) { $u } }
}

function Get-ServerRequests {
    # The server's request log (GET /_dev/requests), oldest first.
    param([Parameter(Mandatory, Position = 0)] $Server)
    foreach ($r in (Invoke-SynapseDevApi -Server $Server -Path requests)) { $r }
}

function Reset-ServerLog {
    param([Parameter(Mandatory, Position = 0)] $Server)
    $null = Invoke-SynapseDevApi -Server $Server -Path reset-log -Method POST
}

function Set-ServerFaults {
    # Replaces the server's fault settings (POST /_dev/faults); @{} turns every fault off.
    param([Parameter(Mandatory, Position = 0)] $Server, [Parameter(Position = 1)] [hashtable] $Faults = @{})
    $null = Invoke-SynapseDevApi -Server $Server -Path faults -Method POST -Body $Faults
}

function Set-ServerLimits {
    # Replaces the server's upload limit and quota (POST /_dev/limits, as --max-size and --quota); @{} turns both off.
    param([Parameter(Mandatory, Position = 0)] $Server, [Parameter(Position = 1)] [hashtable] $Limits = @{})
    $null = Invoke-SynapseDevApi -Server $Server -Path limits -Method POST -Body $Limits
}

function Start-ChildPwsh {
    # Starts a child pwsh running a script file; returns the Process with OutTask/ErrTask (its output).
    param([Parameter(Mandatory)] [string] $ScriptPath, [hashtable] $Environment = @{})
    $cmd = Get-ChildPwshCommand
    $psi = [Diagnostics.ProcessStartInfo]::new($cmd[0])
    foreach ($a in @($cmd | Select-Object -Skip 1) + @('-File', $ScriptPath)) { $psi.ArgumentList.Add($a) }
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string]$Environment[$k] }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $p = [Diagnostics.Process]::Start($psi)
    $p | Add-Member -NotePropertyName OutTask -NotePropertyValue $p.StandardOutput.ReadToEndAsync()
    $p | Add-Member -NotePropertyName ErrTask -NotePropertyValue $p.StandardError.ReadToEndAsync()
    $p
}

function Stop-ChildPwsh {
    # Kills a child pwsh (and its children) if it still runs; for finally blocks.
    param([Parameter(Mandatory, Position = 0)] [AllowNull()] [Diagnostics.Process] $Process)
    if ($Process -and -not $Process.HasExited) {
        try { $Process.Kill($true) } catch { }
        $null = $Process.WaitForExit(10000)
    }
}

function Initialize-TestSession {
    # The set-up every suite shares: the built module, a state folder in TestDrive, a dev server with a fresh token
    # (plus -ServerArgs), and a connection to it. Returns the server, the connection and the token.
    param([Parameter(Mandatory, Position = 0)] [string] $Name, [Parameter(Position = 1)] [string[]] $ServerArgs = @())
    Import-Module $env:SYNAPSEPS_MODULE -Global -Force
    if ($env:SYNAPSEPS_TEST_ENGINE) {
        # The run that exercises the Windows PowerShell engine must really have loaded it.
        $null = Test-SynapseUploadFile -LiteralPath $env:SYNAPSEPS_MODULE
        $core = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SynapsePS.Core' }
        if ($core.Location -notmatch "dependencies[/\\]$([regex]::Escape($env:SYNAPSEPS_TEST_ENGINE))[/\\]") {
            throw "SYNAPSEPS_TEST_ENGINE is '$env:SYNAPSEPS_TEST_ENGINE' but the engine came from $($core.Location)."
        }
    }
    $env:SYNAPSEPS_STATE_DIR = Join-Path (Get-PSDrive TestDrive).Root 'state'
    $token = "$Name-token-" + [guid]::NewGuid().ToString('N')
    $server = Start-SynapseDevServer -ArgumentList (@('--token', $token) + $ServerArgs)
    $connection = Connect-Synapse -BaseUrl $server.Url -AccessToken $token -PassThru
    $server, $connection, $token
}

function Complete-TestSession {
    param([Parameter(Position = 0)] $Server)
    if ($Server) { $Server | Stop-SynapseDevServer }
    Remove-Item Env:SYNAPSEPS_STATE_DIR, Env:SYNAPSE_BACKEND_HOST, Env:SYNAPSE_ACCESS_TOKEN -ErrorAction Ignore
}

function New-ModuleRunspace {
    # A [PowerShell] in a fresh runspace that imports the built module, then runs -Script with -ArgumentList.
    # -ShowProgress turns progress on there (a fresh runspace collects it only then). Dispose it with Remove-ModuleRunspace.
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Script, [object[]] $ArgumentList = @(), [switch] $ShowProgress)
    # The module comes in through the session state, not a second statement: a multi-statement PowerShell that is
    # stopped can still write to its closed error buffer from a pool thread, which ends the whole process.
    $state = [initialsessionstate]::CreateDefault()
    $state.ImportPSModule([string[]] @($env:SYNAPSEPS_MODULE))
    $runspace = [runspacefactory]::CreateRunspace($state)
    $runspace.Open()
    if ($ShowProgress) { $runspace.SessionStateProxy.SetVariable('ProgressPreference', 'Continue') }
    $ps = [PowerShell]::Create()
    $ps.Runspace = $runspace
    $null = $ps.AddScript($Script)
    foreach ($a in $ArgumentList) { $null = $ps.AddArgument($a) }
    $ps
}

function Remove-ModuleRunspace {
    param([Parameter(Mandatory, Position = 0)] [AllowNull()] [PowerShell] $PowerShell)
    if ($PowerShell) {
        $runspace = $PowerShell.Runspace
        $PowerShell.Dispose()
        $runspace.Dispose()
    }
}

function Invoke-InModuleRunspace {
    # Runs -Script in a fresh runspace with the module; returns its output, progress and information records and errors.
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Script, [object[]] $ArgumentList = @(), [switch] $ShowProgress)
    $ps = New-ModuleRunspace $Script -ArgumentList $ArgumentList -ShowProgress:$ShowProgress
    try {
        $output = $ps.Invoke()
        [pscustomobject]@{ Output = @($output); Progress = @($ps.Streams.Progress); Information = @($ps.Streams.Information); Errors = @($ps.Streams.Error) }
    }
    finally { Remove-ModuleRunspace $ps }
}

function Get-HostText {
    # Runs -Script in this session and returns its output and what it wrote to the host (What if: lines), read
    # back from a transcript of the session with the host's line wrapping undone.
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Script)
    $path = Join-Path ([IO.Path]::GetTempPath()) ('synapseps-host-' + [guid]::NewGuid().ToString('N') + '.txt')
    $null = Start-Transcript -LiteralPath $path -UseMinimalHeader
    try { $output = & $Script }
    finally { $null = Stop-Transcript }
    $text = (Get-Content -LiteralPath $path -Raw) -replace '\r?\n', ''
    Remove-Item -LiteralPath $path -ErrorAction Ignore
    [pscustomobject]@{ Output = @($output); Text = $text }
}

function Wait-Until {
    # Polls a condition (bounded); returns whether it became true.
    param([Parameter(Mandatory, Position = 0)] [scriptblock] $Condition, [double] $TimeoutSec = 30, [int] $IntervalMs = 100)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds $IntervalMs
    }
    $false
}

Export-ModuleMember -Function Initialize-TestSession, Complete-TestSession, New-ModuleRunspace, Remove-ModuleRunspace, Invoke-InModuleRunspace,
    New-TestFile, Get-Md5, Get-ServerUpload, Get-ServerRequests, Reset-ServerLog, Set-ServerFaults, Set-ServerLimits,
    Start-ChildPwsh, Stop-ChildPwsh, Get-HostText, Wait-Until,
    Start-SynapseDevServer, Stop-SynapseDevServer, Restart-SynapseDevServer, Invoke-SynapseDevApi, Start-SynapseTestProxy, Get-SynapseProxyLog
