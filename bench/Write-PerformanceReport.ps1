<#
.SYNOPSIS
    Writes docs/performance.md from the benchmark's data files (bench/results/<Section>.json), measuring nothing.
    Each section says when, on what machine and by which command its figures were measured.
.DESCRIPTION
    A new section is a data file (written through BenchData.psm1 by a measuring script) and a Format-<Section>
    function here returning its markdown lines; $Order places it in the report.
.EXAMPLE
    ./bench/Write-PerformanceReport.ps1
#>
param(
    [string] $ResultsPath = (Join-Path $PSScriptRoot 'results'),
    [string] $OutputPath = (Join-Path (Split-Path $PSScriptRoot -Parent) 'docs/performance.md')
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot 'BenchData.psm1')
$Order = 'Single', 'Intake', 'Multipart', 'Memory', 'Batch', 'Progress', 'Cap', 'ManyFiles', 'Folders', 'Wan'

function Get-Stats([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $n = $sorted.Count
    $median = if ($n % 2) { $sorted[[int][Math]::Floor($n / 2)] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
    [pscustomobject]@{ Median = $median; Min = $sorted[0]; Max = $sorted[-1] }
}
function Get-SeriesStats($Data, [string] $Series, [scriptblock] $Value) { Get-Stats @($Data.Series.$Series | ForEach-Object $Value) }
function Format-Stat($s, [string] $Format = 'N2') { '{0} ({1} – {2})' -f $s.Median.ToString($Format), $s.Min.ToString($Format), $s.Max.ToString($Format) }
function Row([string] $What, [string] $Value, [string] $Target, $Met) { "| $What | $Value | $Target | $(if ($null -eq $Met) { '—' } elseif ($Met) { 'yes' } else { '**no**' }) |" }
$TargetHeader = '| Measure | Figure | Target | Met |', '| --- | --- | --- | --- |'

function Format-Provenance($Data, [switch] $OneRun) {
    # When, where and how a section was measured, and how busy the machine was meanwhile.
    $m = $Data.Machine
    $runs = if (-not $OneRun -and $Data.Parameters.PSObject.Properties['Runs']) { " Each figure is the median of $($Data.Parameters.Runs) runs with the spread (min – max) in brackets; ratios are taken from the medians." } else { '' }
    "Measured on $($Data.Measured) UTC by ``$($Data.Command)``, on $($m.Cores) × $($m.Cpu), $($m.MemoryGiB) GiB, $($m.Os) (kernel $($m.Kernel)), " +
    ".NET SDK $($m.DotNet), PowerShell $($m.PowerShell), Python $($m.Python) with requests $($m.Requests); load average $($Data.LoadAtStart) at the start, $($Data.LoadAtEnd) at the end.$runs"
}

function Format-Single($d) {
    $mib = $d.Parameters.SizeMiB; $gib = $mib / 1024
    $md5 = Get-SeriesStats $d 'md5sum' { $_.Seconds }; $md5Cpu = Get-SeriesStats $d 'md5sum' { $_.CpuSeconds }
    $syn = Get-SeriesStats $d 'synapseps' { $_.Seconds }; $synCpu = Get-SeriesStats $d 'synapseps' { $_.CpuSeconds }
    $ref = Get-SeriesStats $d 'ref_client' { $_.Seconds }
    "## One $mib MiB file, default 50 MiB chunks", '', (Format-Provenance $d), ''; $TargetHeader
    Row 'md5sum, wall s' (Format-Stat $md5) '' $null
    Row 'SynapsePS upload, wall s' (Format-Stat $syn) '' $null
    Row 'SynapsePS throughput, MB/s' ('{0:N0}' -f ($mib / $syn.Median)) '' $null
    Row 'bench/ref_client.py (Python SDK way), wall s' (Format-Stat $ref) '' $null
    Row 'SynapsePS wall ÷ md5sum wall' ('{0:N2}' -f ($syn.Median / $md5.Median)) '≤ 1.5' (($syn.Median / $md5.Median) -le 1.5)
    Row 'ref_client.py wall ÷ SynapsePS wall' ('{0:N2}' -f ($ref.Median / $syn.Median)) '≥ 2' (($ref.Median / $syn.Median) -ge 2)
    Row 'SynapsePS client CPU s per GiB' ('{0:N2}' -f ($synCpu.Median / $gib)) '' $null
    Row 'md5sum CPU s per GiB' ('{0:N2}' -f ($md5Cpu.Median / $gib)) '' $null
    Row 'client CPU ÷ md5sum CPU' ('{0:N2}' -f ($synCpu.Median / $md5Cpu.Median)) '≤ 1.3' (($synCpu.Median / $md5Cpu.Median) -le 1.3)
    '', 'Every SynapsePS upload was checked against the file''s MD5 (the benchmark stops on a mismatch). Client and dev server share the machine and talk over loopback; the server stores on tmpfs and hashes every chunk as it arrives, as a Synapse backend does.'
}

function Format-Intake($d) {
    $curl = Get-SeriesStats $d 'curl' { $_.Seconds }
    '## The server''s own intake', '', (Format-Provenance $d), '', '| Measure | Figure |', '| --- | --- |'
    "| curl sending the same $($d.Parameters.SizeMiB) MiB as 50 MiB multipart chunks, wall s | $(Format-Stat $curl) |"
    "| curl intake, MB/s | $('{0:N0}' -f ($d.Parameters.SizeMiB / $curl.Median)) |"
}

function Format-Multipart($d) {
    $mib = $d.Parameters.SizeMiB; $gib = $mib / 1024
    '## The dev server''s multipart reader', '', (Format-Provenance $d), ''
    "The same $mib MiB sent as 50 MiB multipart chunks to two dev servers (both ``--large-buffer-transport``) that differ only in ``--multipart-reader``: ``custom`` is the server's own MultipartChunkReader (a vectorized delimiter search over the request's PipeReader), ``framework`` is ASP.NET Core's MultipartReader over the request stream, read in 64 KiB blocks. Server CPU is the dev server process's CPU time during the run, the figure least disturbed by other load on the machine."
    '', '| Measure | custom | framework | framework ÷ custom | Target | Met |', '| --- | --- | --- | --- | --- | --- |'
    foreach ($sender in 'curl', 'synapseps') {
        $label = if ($sender -eq 'curl') { 'curl' } else { 'SynapsePS' }
        $c = Get-SeriesStats $d "custom-$sender" { $mib / $_.Seconds }; $f = Get-SeriesStats $d "framework-$sender" { $mib / $_.Seconds }
        "| $label, MB/s | $(Format-Stat $c 'N0') | $(Format-Stat $f 'N0') | $('{0:N2}' -f ($f.Median / $c.Median)) | | — |"
        $c = Get-SeriesStats $d "custom-$sender" { $_.ServerCpuSeconds / $gib }; $f = Get-SeriesStats $d "framework-$sender" { $_.ServerCpuSeconds / $gib }
        $ratio = $f.Median / $c.Median
        "| $label, server CPU s per GiB | $(Format-Stat $c) | $(Format-Stat $f) | $('{0:N2}' -f $ratio) | ≥ 1.10 | $(if ($ratio -ge 1.10) { 'yes' } else { '**no**' }) |"
    }
    '', 'The dev server reads with the framework''s MultipartReader unless started with `--multipart-reader custom`: the server''s own reader would earn the default back only where the framework needs at least 10 % more server CPU per GiB for the same bytes (the Target column), since a second reader is code to keep correct.'
}

function Format-Memory($d) {
    $idle = Get-SeriesStats $d 'idle' { $_.PeakRss / 1MB }
    $small = Get-SeriesStats $d 'mem-small' { $_.PeakRss / 1MB }
    $large = Get-SeriesStats $d 'mem-large' { $_.PeakRss / 1MB }
    $growth = $large.Median - $idle.Median
    '## Memory (peak resident set of the uploading pwsh)', '', (Format-Provenance $d), ''; $TargetHeader
    Row 'idle pwsh with the module imported, MiB' (Format-Stat $idle 'N0') '' $null
    Row "uploading $($d.Parameters.SizeMiB) MiB, MiB" (Format-Stat $small 'N0') '' $null
    Row "uploading $($d.Parameters.LargeSizeMiB) MiB (sparse), MiB" (Format-Stat $large 'N0') '' $null
    Row 'growth over idle (largest file), MiB' ('{0:N0}' -f $growth) '≤ 64' ($growth -le 64)
    Row "$($d.Parameters.LargeSizeMiB) MiB peak ÷ $($d.Parameters.SizeMiB) MiB peak" ('{0:N2}' -f ($large.Median / $small.Median)) '0.90 – 1.10' ([Math]::Abs($large.Median / $small.Median - 1) -le 0.10)
}

function Format-Batch($d) {
    $n = $d.Parameters.BatchFiles
    $seq = Get-SeriesStats $d 'batch-seq' { $n / $_.Seconds }; $par = Get-SeriesStats $d 'batch-par' { $n / $_.Seconds }
    "## Batch: $n files of 1 MiB", '', (Format-Provenance $d), ''; $TargetHeader
    Row 'Send-SynapseChunkedUpload one after another, files/s' (Format-Stat $seq 'N1') '' $null
    Row 'Invoke-SynapseBatchUpload -ThrottleLimit 4, files/s' (Format-Stat $par 'N1') '' $null
    Row 'parallel ÷ sequential' ('{0:N2}' -f ($par.Median / $seq.Median)) '≥ 3' (($par.Median / $seq.Median) -ge 3)
    if ($d.Series.PSObject.Properties['batch-default']) {
        $three = Get-SeriesStats $d 'batch-3' { $n / $_.Seconds }; $default = Get-SeriesStats $d 'batch-default' { $n / $_.Seconds }
        Row 'Invoke-SynapseBatchUpload -ThrottleLimit 3 (the old default), files/s' (Format-Stat $three 'N1') '' $null
        Row 'Invoke-SynapseBatchUpload without -ThrottleLimit (the default), files/s' (Format-Stat $default 'N1') '' $null
        Row 'default ÷ -ThrottleLimit 3' ('{0:N2}' -f ($default.Median / $three.Median)) '≥ 0.95' (($default.Median / $three.Median) -ge 0.95)
    }
    $seqL = Get-SeriesStats $d 'batch-seq-20ms' { $n / $_.Seconds }; $parL = Get-SeriesStats $d 'batch-par-20ms' { $n / $_.Seconds }
    Row 'with 20 ms server latency: one after another, files/s' (Format-Stat $seqL 'N1') '' $null
    Row 'with 20 ms server latency: -ThrottleLimit 4, files/s' (Format-Stat $parL 'N1') '' $null
    Row 'with 20 ms server latency: parallel ÷ sequential' ('{0:N2}' -f ($parL.Median / $seqL.Median)) '≥ 3' (($parL.Median / $seqL.Median) -ge 3)
    '', 'Client and server share the machine''s cores, so without latency both sequential and parallel runs are CPU-bound and parallelism cannot exceed the core count; with a server at network distance, parallel uploads overlap the waits.'
}

function Format-Progress($d) {
    $on = Get-SeriesStats $d 'progress-on' { $_.Seconds }; $off = Get-SeriesStats $d 'progress-off' { $_.Seconds }
    $cost = ($on.Median / $off.Median - 1) * 100
    '## Progress', '', (Format-Provenance $d), ''; $TargetHeader
    Row "`$ProgressPreference = 'Continue', wall s" (Format-Stat $on) '' $null
    Row "`$ProgressPreference = 'SilentlyContinue', wall s" (Format-Stat $off) '' $null
    Row 'cost of progress, % of throughput' ('{0:N1}' -f $cost) '≤ 5' ($cost -le 5)
    '', 'The measured pwsh runs without a console (its output is redirected), so progress records are produced and handed to the host but not drawn.'
}

function Format-Cap($d) {
    $size = $d.Parameters.CapSizeMiB; $rates = @($d.Parameters.CapMiBPerSecond)
    '## Bandwidth cap', '', (Format-Provenance $d -OneRun), ''
    "One run each: $size MiB as one file (``Send-SynapseChunkedUpload -MaxBytesPerSecond``) and as 4 files of $($size / 4) MiB at once (``Invoke-SynapseBatchUpload -ThrottleLimit 4 -MaxBytesPerSecond``, the four sharing the cap). The achieved rate is the bytes over the command's wall time; the results' rate is what the result objects report (summed over a batch's concurrent files); MB is MiB, as PowerShell's 10MB literal."
    $idle = @($d.Series.'cap-idle')[0]
    $idlePerSecond = $idle.CpuSeconds / $idle.Seconds
    ''
    "An idle pwsh with the module imported uses $('{0:N3}' -f $idlePerSecond) CPU s per second of wall time here (measured over $('{0:N0}' -f $idle.Seconds) s); ""CPU s beyond idle"" takes that away from a capped run, to compare the upload's own work with the uncapped run of the same bytes."
    '', '| Cap MB/s | Upload | Achieved MB/s | Achieved ÷ cap | Target | Met | Results'' MB/s | CPU s | CPU s beyond idle | CPU s uncapped |'
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |'
    foreach ($mode in 'send', 'batch') {
        $none = @($d.Series."cap-none-$mode")[0]
        $label = if ($mode -eq 'send') { 'one file' } else { 'batch of 4' }
        "| none | $label | $('{0:N1}' -f ($none.Bytes / 1MB / $none.Seconds)) | — | | — | $('{0:N1}' -f ($none.ResultBytesPerSecond / 1MB)) | $('{0:N2}' -f $none.CpuSeconds) | | |"
        foreach ($rate in $rates) {
            $r = @($d.Series."cap-$rate-$mode")[0]
            $achieved = $r.Bytes / 1MB / $r.Seconds
            $ratio = $achieved / $rate
            "| $rate | $label | $('{0:N2}' -f $achieved) | $('{0:N3}' -f $ratio) | 0.90 – 1.10 | $(if ([Math]::Abs($ratio - 1) -le 0.10) { 'yes' } else { '**no**' }) | $('{0:N2}' -f ($r.ResultBytesPerSecond / 1MB)) | $('{0:N2}' -f $r.CpuSeconds) | $('{0:N2}' -f ($r.CpuSeconds - $idlePerSecond * $r.Seconds)) | $('{0:N2}' -f $none.CpuSeconds) |"
        }
    }
    '', 'The capped uploads sleep for their budget (a token bucket refilled by the clock, awaited with Task.Delay: 10 to 50 wake-ups a second, no spinning). What the cap costs in CPU is the difference between "CPU s beyond idle" and "CPU s uncapped" of the same row.'
}

function Format-ManyFiles($d) {
    $p = $d.Parameters
    "## Many small files: $(@($p.Counts) -join ' and ') files of $($p.FileBytes) B", '', (Format-Provenance $d), ''
    "The files lie in folders of 1,000 on $($d.Machine.TempFs), as does the state folder; the server stores on tmpfs. Each SynapsePS figure is one fresh pwsh running ``Get-ChildItem -Recurse -File | Invoke-SynapseBatchUpload -ThrottleLimit $($p.ThrottleLimit)`` and keeping no results; ""PowerShell alone"" is the same pwsh running only ``Get-ChildItem -Recurse -File | ForEach-Object``, the floor under any cmdlet fed that way; the Python recipe is ``bench/ref_batch.py``: synapse-sdk's batch shape, a ThreadPoolExecutor of $($p.ThrottleLimit) doing per file what ``create_chunked_upload`` does."
    '', '| Files | SynapsePS files/s | peak RSS | rerun -SkipUploaded files/s | rerun peak RSS | requests in rerun | PowerShell alone files/s | its peak RSS | Python recipe files/s | Python peak RSS | ledger on disk |'
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
    $rows = @($d.Series.rows)
    foreach ($r in $rows) {
        '| {0:N0} | {1:N0} | {2:N0} MiB | {3:N0} | {4:N0} MiB | {5} | {6:N0} | {7:N0} MiB | {8:N0} | {9:N0} MiB | {10:N0} MiB |' -f $r.N, ($r.N / $r.First.Seconds), ($r.First.PeakRss / 1MB),
            ($r.N / $r.Rerun.Seconds), ($r.Rerun.PeakRss / 1MB), $r.RerunRequests, ($r.N / $r.Alone.Seconds), ($r.Alone.PeakRss / 1MB),
            ($r.N / $r.Python.seconds), ($r.Python.peak_rss / 1MB), ($r.LedgerBytes / 1MB)
    }
    if ($rows.Count -ge 2) {
        ''
        'Peak RSS at {0:N0} files ÷ peak at {1:N0}: **{2:N2}** (target ≤ 1.15). An idle pwsh with the module imported peaks at {3:N0} MiB.' -f $rows[-1].N, $rows[0].N, ($rows[-1].First.PeakRss / $rows[0].First.PeakRss), (@($d.Series.idle)[0].PeakRss / 1MB)
        'Targets: ≥ 2,000 files/s for the upload, ≥ 20,000 files/s and no request for the rerun with -SkipUploaded.'
    }
}

function Format-Folders($d) {
    $p = $d.Parameters
    "## One folder of many files: -Recurse beside Get-ChildItem, $(@($p.Counts) -join ' and ') files of $($p.FileBytes) B", '', (Format-Provenance $d -OneRun), ''
    "All the files lie in one folder on $($d.Machine.TempFs); the server stores on tmpfs. Each figure is one fresh pwsh (``bench/Measure-Folder.ps1``) keeping no results: ""-Recurse"" is ``Invoke-SynapseBatchUpload -LiteralPath <folder> -Recurse -ThrottleLimit $($p.ThrottleLimit)``, where the module walks the folder; ""piped"" is ``Get-ChildItem -Recurse -File | Invoke-SynapseBatchUpload -ThrottleLimit $($p.ThrottleLimit)``; the reruns add ``-SkipUploaded`` with the first run's state folder; ""Get-ChildItem alone"" is ``Get-ChildItem -Recurse -File | ForEach-Object``. The batch runs in a runspace with progress records on, so that the measuring thread can see the first request (from the server's log) and the first overall bar that shows the total (bars are drawn five times a second, so that time is late by up to 0.2 s). A -Recurse rerun with no time under ""total known"" ended before a bar was drawn. The load average before each figure is in the last column.$(if ($p.PSObject.Properties['Runs'] -and $p.Runs -gt 1) { " The uploads ran once each; the reruns and Get-ChildItem alone ran $($p.Runs) times each, and their row is the median run, with the spread of files/s over the $($p.Runs) runs in brackets." })"
    '', '| Files | Figure | files/s | peak RSS | CPU s | requests | first request | total known | load |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'
    $names = [ordered]@{ Recurse = '-Recurse'; Piped = 'piped'; RecurseRerun = 'rerun -Recurse -SkipUploaded'; RecurseRerunSummary = 'rerun -Recurse -SkipUploaded -Summary'; PipedRerun = 'rerun piped -SkipUploaded'; Alone = 'Get-ChildItem alone' }
    $rows = @($d.Series.rows)
    foreach ($r in $rows) {
        foreach ($key in $names.Keys | Where-Object { $r.PSObject.Properties[$_] }) {
            $x = $r.$key
            $first = if ($null -ne $x.FirstRequestSeconds) { '{0:N2} s' -f $x.FirstRequestSeconds } else { '—' }
            $total = if ($null -ne $x.TotalKnownSeconds) { '{0:N2} s' -f $x.TotalKnownSeconds } else { '—' }
            # Quick figures ran several times: the median run, and the spread of files/s over all of them.
            $rate = '{0:N0}' -f ($r.N / $x.Seconds)
            if ($x.PSObject.Properties['AllSeconds'] -and @($x.AllSeconds).Count -gt 1) {
                $all = @($x.AllSeconds | ForEach-Object { $r.N / $_ } | Sort-Object)
                $rate += ' ({0:N0} – {1:N0})' -f $all[0], $all[-1]
            }
            '| {0:N0} | {1} | {2} | {3:N0} MiB | {4:N2} | {5:N0} | {6} | {7} | {8:N1} |' -f $r.N, $names[$key], $rate, ($x.PeakRss / 1MB), $x.CpuSeconds, $x.Requests, $first, $total, $r.Load.$key
        }
    }
    if ($rows.Count -ge 2) {
        $small, $large = $rows[0], $rows[-1]
        $ratio = $large.Recurse.PeakRss / $small.Recurse.PeakRss
        $rate = { param($r, $k) $r.N / $r.$k.Seconds }
        ''
        $TargetHeader
        Row "-Recurse: peak RSS at $('{0:N0}' -f $large.N) files ÷ peak at $('{0:N0}' -f $small.N)" ('{0:N2}' -f $ratio) '≤ 1.15' ($ratio -le 1.15)
        Row "-Recurse files/s at $('{0:N0}' -f $large.N), beside piped" ('{0:N0} vs {1:N0}' -f (& $rate $large Recurse), (& $rate $large Piped)) '≥ piped' ((& $rate $large Recurse) -ge (& $rate $large Piped))
        Row "Rerun -Recurse -SkipUploaded at $('{0:N0}' -f $large.N): files/s, requests" ('{0:N0}, {1}' -f (& $rate $large RecurseRerun), $large.RecurseRerun.Requests) '≥ 50,000, 0' ((& $rate $large RecurseRerun) -ge 50000 -and $large.RecurseRerun.Requests -eq 0)
        if ($large.PSObject.Properties['RecurseRerunSummary']) {
            Row "The same with -Summary (no result per file)" ('{0:N0}, {1}' -f (& $rate $large RecurseRerunSummary), $large.RecurseRerunSummary.Requests) '≥ 50,000, 0' ((& $rate $large RecurseRerunSummary) -ge 50000 -and $large.RecurseRerunSummary.Requests -eq 0)
        }
        ''
        'The rerun used {0:N0} µs of CPU per file ({1:N1} cores busy on average; the piped rerun {2:N0} µs). A skipped file costs, on the walk''s thread, its directory entry and one ledger lookup (one small JSON file read; see docs/ledger-store.md), and on the pipeline thread the writing of its result; a count of the folder runs on a third thread. On two cores shared with other work those threads bound the rerun; with -Summary (one object at the end) the pipeline thread writes nothing per file.' -f
            ($large.RecurseRerun.CpuSeconds * 1e6 / $large.N), ($large.RecurseRerun.CpuSeconds / $large.RecurseRerun.Seconds), ($large.PipedRerun.CpuSeconds * 1e6 / $large.N)
    }
}

function Format-Wan($d) {
    $p = $d.Parameters; $n = $p.Files
    $run = { param($series) @($d.Series.$series)[0] }
    $fps = { param($series) $n / (& $run $series).Seconds }
    "## Across the WAN: $n files of $($p.FileBytes / 1KB) KiB, the default beside fixed counts", '', (Format-Provenance $d -OneRun), ''
    "One run each, all in one benchmark run, every one in a fresh pwsh with a fresh state folder: ``Invoke-SynapseBatchUpload -LiteralPath DIR -Recurse -Summary`` without -ThrottleLimit (the default: the batch finds its count) and with each fixed count. The dev server is made far away at run time (``latencyMs``: every PUT and POST answer waits $($p.LatencyMs) ms, a chunk's once it is stored, so each file costs two such waits) and given a capacity (``maxInflight``: a PUT or POST arriving while $($p.Capacity) are served gets 503 without Retry-After, as nginx's limit_conn answers); the most requests it served at once and its refusals come from ``GET /_dev/inflight``. Files/s is the files over the command's wall time."
    '', '| Server | -ThrottleLimit | files/s | most at once (server) | highest / final count | requests | refused | failed files |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |'
    foreach ($series in $d.Series.PSObject.Properties) {
        $r = @($series.Value)[0]
        $server = switch -Wildcard ($series.Name) { 'latency-*' { "$($p.LatencyMs) ms away" } 'near-*' { 'same machine' } 'capacity-*' { "$($p.LatencyMs) ms away, capacity $($p.Capacity)" } }
        $limit = if ($r.ThrottleLimit) { $r.ThrottleLimit } else { 'default' }
        '| {0} | {1} | {2:N1} | {3} | {4} / {5} | {6:N0} | {7:N0} | {8} |' -f $server, $limit, ($n / $r.Seconds), $r.MostInflight, $r.Highest, $r.Final, $r.Requests, $r.Refused, $r.Failed
    }
    $fixed = @($p.ThrottleLimits | ForEach-Object { [pscustomobject]@{ N = $_; Fps = (& $fps "latency-$_") } } | Sort-Object Fps -Descending)
    $best = $fixed[0]
    $lat = & $fps 'latency-default'; $near = & $fps 'near-default'; $cap = & $run 'capacity-default'
    $refusedShare = 100 * $cap.Refused / [Math]::Max(1, $cap.Requests)
    $capRatio = ($n / $cap.Seconds) / (& $fps "capacity-$($p.Capacity)")
    ''; $TargetHeader
    Row "$($p.LatencyMs) ms: default ÷ the best fixed count ($($best.N))" ('{0:N2}' -f ($lat / $best.Fps)) '≥ 0.9' (($lat / $best.Fps) -ge 0.9)
    Row "$($p.LatencyMs) ms: default ÷ -ThrottleLimit 3" ('{0:N2}' -f ($lat / (& $fps 'latency-3'))) '≥ 5' (($lat / (& $fps 'latency-3')) -ge 5)
    Row 'same machine: default ÷ -ThrottleLimit 3' ('{0:N2}' -f ($near / (& $fps 'near-3'))) '≥ 0.95' (($near / (& $fps 'near-3')) -ge 0.95)
    Row "capacity $($p.Capacity): files the default failed" ('{0}' -f $cap.Failed) '0' ($cap.Failed -eq 0)
    Row "capacity $($p.Capacity): requests refused, % of the default's" ('{0:N2}' -f $refusedShare) '≤ 5' ($refusedShare -le 5)
    Row "capacity $($p.Capacity): default ÷ -ThrottleLimit $($p.Capacity)" ('{0:N2}' -f $capRatio) '≥ 0.8' ($capRatio -ge 0.8)
    '', "The count over time in the $($p.LatencyMs) ms default run, from its -Verbose lines (seconds since the command started, which includes loading the module and the first connection):"
    '', '| s | count | why |', '| ---: | ---: | --- |', "| 0 | $(4) | the start |"
    foreach ($c in @((& $run 'latency-default').Changes)) { '| {0:N2} | {1} | {2} |' -f $c.At, $c.To, $c.Reason }
    '', 'A pinned count runs that many from its first file; the default starts at 4 and climbs once each step is measured, so on a short batch the climb weighs more than on a long one. The runs follow one another in the order of the table, so a change of the machine''s load between them (see the load average above) moves the ratios as much as the count does.'
}

function Format-RawRuns($sections) {
    # Every run of every series that has one wall time per run (the many-files table is its own raw record).
    '## Raw runs', '', '| Section | Series | Run | Wall s | CPU s | Server CPU s | Peak RSS MiB |', '| --- | --- | --- | --- | --- | --- | --- |'
    foreach ($name in $Order | Where-Object { $sections.ContainsKey($_) -and $_ -notin 'ManyFiles', 'Folders', 'Wan' }) {
        foreach ($series in $sections[$name].Series.PSObject.Properties) {
            $n = 0
            foreach ($r in @($series.Value)) {
                $n++
                $cell = { param($p, $f) if ($r.PSObject.Properties[$p]) { $f -f $r.$p } else { '—' } }
                "| $name | $($series.Name) | $n | $(& $cell Seconds '{0:N2}') | $(& $cell CpuSeconds '{0:N2}') | $(& $cell ServerCpuSeconds '{0:N2}') | $('{0:N0}' -f ($r.PeakRss / 1MB)) |"
            }
        }
    }
}

$sections = Read-BenchSections $ResultsPath
if ($sections.Count -eq 0) { throw "No benchmark data in $ResultsPath; run bench/Invoke-Benchmark.ps1 first." }
$md = [Collections.Generic.List[string]]::new()
$md.Add('# Performance'); $md.Add('')
$md.Add('Written by `bench/Write-PerformanceReport.ps1` from the data files in `bench/results/` (one per section, written by `bench/Invoke-Benchmark.ps1`, `bench/Measure-ManyFiles.ps1`, `bench/Measure-Folders.ps1` and `bench/Measure-Wan.ps1`; `dotnet pwsh ./build.ps1 -Task Bench` runs them all). Figures are measured, never typed in; each section names when, on what machine and by which command it was measured, and the load average around it (the machine may have been shared with other work).')
# Judged by the load before a section began: the load at its end counts the section's own client and server.
$busy = @($Order | Where-Object { $sections.ContainsKey($_) -and $sections[$_].LoadAtStart -gt $sections[$_].Machine.Cores })
if ($busy) {
    $md.Add('')
    $md.Add("The load average was above the core count when these sections began: $($busy -join ', '). It trails by about a minute, so it counts the benchmark's own previous section as well as any other work on the machine; where it was other work, wall times and throughputs are depressed and spread wider than on an idle machine, and CPU seconds and peak memory are affected least.")
}
foreach ($name in $Order | Where-Object { $sections.ContainsKey($_) }) {
    $md.Add('')
    foreach ($line in (& "Format-$name" $sections[$name])) { $md.Add($line) }
}
$md.Add('')
foreach ($line in (Format-RawRuns $sections)) { $md.Add($line) }
$missing = @($Order | Where-Object { -not $sections.ContainsKey($_) })
if ($missing) { Write-Warning "No data for $($missing -join ', '); the report leaves those sections out." }
[IO.File]::WriteAllLines($OutputPath, $md.ToArray())
Write-Host "Wrote $OutputPath"
