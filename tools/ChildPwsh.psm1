# Starting a fresh pwsh like this one, for the build, the tests, the benchmarks and the docs task: the one place
# that knows PowerShell may run as a .NET tool ('dotnet pwsh.dll') rather than as its own executable.

function Get-ChildPwshCommand {
    # The command line that starts a fresh pwsh like this one, without a profile and never prompting:
    # the executable first, then its arguments. For callers that build a ProcessStartInfo themselves.
    $exe = [Environment]::ProcessPath
    $command = @($exe)
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $command += Join-Path $PSHOME 'pwsh.dll' }
    $command + @('-NoProfile', '-NonInteractive')
}

function Invoke-ChildPwsh {
    # Runs a fresh pwsh like this one with these arguments ('-File', $script, ... or '-Command', $text) and
    # writes its output; $LASTEXITCODE is its exit code, and the caller's 2>&1 captures its errors.
    # -Environment sets variables for the child only.
    param(
        [Parameter(Mandatory, Position = 0)] [string[]] $ArgumentList,
        [hashtable] $Environment = @{}
    )
    $command = Get-ChildPwshCommand
    $saved = @{}
    foreach ($name in $Environment.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, [string]$Environment[$name])
    }
    try { & $command[0] @($command | Select-Object -Skip 1) @ArgumentList }
    finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
}

Export-ModuleMember -Function Get-ChildPwshCommand, Invoke-ChildPwsh
