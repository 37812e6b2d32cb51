#!/usr/bin/env bash
# Counts the dev-server and pwsh processes a command starts (by default the whole suite, `build.ps1 -Task Test`),
# exactly: strace follows every child and logs each successful execve; nothing in the product or the tests counts.
# Usage: tools/Measure-TestProcesses.sh [LOG] [-- COMMAND...]   (needs strace; the suite takes a little longer)
set -euo pipefail
cd "$(dirname "$0")/.."
log="${1:-/tmp/synapseps-execve.log}"
shift || true
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || set -- dotnet pwsh ./build.ps1 -Task Test

start=$(date +%s)
status=0
# --seccomp-bpf stops the traced processes only at execve, so the suite runs at nearly its own speed.
strace -f -qq --seccomp-bpf -e trace=execve -e signal=none -s 512 -o "$log" "$@" || status=$?
seconds=$(( $(date +%s) - start ))

# A process counts once, at the execve that started it (a failed lookup along PATH returns -1 and is not counted).
ok() { grep -E 'execve\(' "$log" | grep -E '\) = 0$' || true; }
servers=$(ok | grep -c 'SynapsePS.DevServer.dll' || true)
# PowerShell runs as 'dotnet .../pwsh.dll' under the .NET tool; the top-level build.ps1 itself is not a child.
pwsh=$(ok | grep -cE "/pwsh(\.dll)?\"" || true)
echo "command: $* (exit $status, ${seconds} s)"
echo "dev-server processes: $servers"
echo "pwsh processes (including the one running build.ps1): $pwsh"
exit $status
