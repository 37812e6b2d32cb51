using System.Diagnostics;
using System.Globalization;
using SynapsePS;
using SynapsePS.Resume;

// Fills an upload ledger with N entries in a fresh folder, then measures single writes (new keys and replacements),
// lookups (hits and misses), a full enumeration and the disk it takes; prints the machine and a Markdown table.
//   dotnet run -c Release --project bench/SynapsePS.Bench.Ledger [-- [--root /tmp] [--keep] [entries ...]]
// Defaults: --root /tmp, entries 1000 1000000. Figures are warm-cache: the files just written are in the page cache.
// With --claims it measures the upload claims instead (ClaimsBench.cs).

var root = Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();
var keep = false;
var claims = false;
var sizes = new List<int>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--root") root = args[++i];
    else if (args[i] == "--keep") keep = true;
    else if (args[i] == "--claims") claims = true;
    else sizes.Add(int.Parse(args[i], CultureInfo.InvariantCulture));
}
if (claims) return ClaimsBench.Run(root);
if (sizes.Count == 0) sizes.AddRange([1_000, 1_000_000]);

const int Sample = 10_000;
var results = new List<Result>();
Console.WriteLine(Machine.Describe(root));
Console.Error.WriteLine("warming up (JIT tiers, first folder creations); not reported");
Bench.Run(root, 5_000, 5_000, keep: false);
foreach (var size in sizes) results.Add(Bench.Run(root, size, Sample, keep));
Console.WriteLine($"- Load average at the end: {Machine.LoadAverage()}");

Console.WriteLine();
Console.WriteLine($"Single operations: {Sample:N0} each after the fill, microseconds, median / p99.");
Console.WriteLine();
Console.WriteLine("| Entries | Fill, entries/s | Write, new key | Write, replace | Lookup, hit | Lookup, miss | Enumerate, entries/s | Live managed heap while enumerating | Disk (du) | Disk per entry | Entry file length |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var r in results)
{
    Console.WriteLine(string.Join(" | ", [
        "| " + r.Entries.ToString("N0", CultureInfo.InvariantCulture),
        r.FillRate.ToString("N0", CultureInfo.InvariantCulture),
        r.WriteNew.ToString(), r.WriteReplace.ToString(), r.LookupHit.ToString(), r.LookupMiss.ToString(),
        r.EnumerateRate.ToString("N0", CultureInfo.InvariantCulture),
        Units.Bytes(r.EnumerateHeapPeak),
        Units.Bytes(r.DiskBytes),
        Units.Bytes(r.DiskBytes / r.Entries),
        r.EntryFileLength.ToString("N0", CultureInfo.InvariantCulture) + " B |",
    ]));
}
return 0;

internal sealed record Percentiles(double Median, double P99)
{
    public static Percentiles Of(double[] microseconds)
    {
        Array.Sort(microseconds);
        return new(microseconds[microseconds.Length / 2], microseconds[(int)Math.Ceiling(microseconds.Length * 0.99) - 1]);
    }

    public override string ToString() => $"{Median.ToString("0", CultureInfo.InvariantCulture)} / {P99.ToString("0", CultureInfo.InvariantCulture)} µs";
}

internal sealed record Result(int Entries, double FillRate, Percentiles WriteNew, Percentiles WriteReplace, Percentiles LookupHit,
    Percentiles LookupMiss, double EnumerateRate, long EnumerateHeapPeak, long DiskBytes, long EntryFileLength);

internal static class Bench
{
    private static readonly Uri s_server = new("https://synapse.example.org/");

    public static Result Run(string root, int size, int sample, bool keep)
    {
        var folder = Path.Combine(root, $"synapseps-ledger-bench-{size}-{Guid.NewGuid():N}"[..48]);
        var ledger = UploadLedger.Open(folder);
        var log = new FailingLog();
        Console.Error.WriteLine($"[{size:N0}] filling {ledger.Directory}");
        try
        {
            var fill = Stopwatch.StartNew();
            for (var i = 0; i < size; i++)
            {
                ledger.Record(Entry(i), log);
                if ((i + 1) % 100_000 == 0) Console.Error.WriteLine($"[{size:N0}] {i + 1:N0} written, {(i + 1) / fill.Elapsed.TotalSeconds:N0}/s");
            }
            var fillRate = size / fill.Elapsed.TotalSeconds;

            var random = new Random(42);
            // New keys, timed one by one; removed again (untimed) so that the ledger holds exactly `size` entries.
            var writeNew = Time(sample, j => ledger.Record(Entry(size + j), log));
            for (var j = 0; j < sample; j++) ledger.Remove(s_server, Entry(size + j).FullName);
            var writeReplace = Time(sample, _ => ledger.Record(Entry(random.Next(size), "again"), log));
            var hit = Time(sample, _ =>
            {
                if (ledger.TryGet(s_server, FullName(random.Next(size)), log) is null) throw new InvalidOperationException("a recorded entry was not found");
            });
            var miss = Time(sample, j =>
            {
                if (ledger.TryGet(s_server, FullName(size + sample + j), log) is not null) throw new InvalidOperationException("an entry that was never recorded was found");
            });

            Console.Error.WriteLine($"[{size:N0}] enumerating");
            // What stays alive while walking (a full collection ten times during the walk, so not timed): flat when
            // the walk streams, growing with the ledger if anything collected the entries.
            var heapPeak = GC.GetTotalMemory(forceFullCollection: true);
            var checkEvery = Math.Max(100, size / 10);
            var count = 0;
            foreach (var _ in ledger.Enumerate(log))
            {
                if (++count % checkEvery == 0) heapPeak = Math.Max(heapPeak, GC.GetTotalMemory(forceFullCollection: true));
            }
            if (count != size) throw new InvalidOperationException($"enumerated {count} entries of {size}");
            var walk = Stopwatch.StartNew();
            count = 0;
            foreach (var _ in ledger.Enumerate(log)) count++;
            var enumerateRate = count / walk.Elapsed.TotalSeconds;
            if (count != size) throw new InvalidOperationException($"enumerated {count} entries of {size}");

            var disk = Du(ledger.Directory);
            var entryLength = new FileInfo(ledger.PathFor(s_server, FullName(0))).Length;
            Console.Error.WriteLine($"[{size:N0}] done");
            return new Result(size, fillRate, writeNew, writeReplace, hit, miss, enumerateRate, heapPeak, disk, entryLength);
        }
        finally
        {
            if (keep) Console.Error.WriteLine($"[{size:N0}] kept {folder}");
            else
            {
                Console.Error.WriteLine($"[{size:N0}] removing {folder}");
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static string FullName(int i) =>
        $"/home/analyst/data/project-{i % 97:00}/run-{i / 1000 % 1000:0000}/sample-{i:000000000}.fastq.gz";

    private static LedgerEntry Entry(int i, string attempt = "first")
    {
        var id = $"{attempt}-{i:x8}-4e1c-9a6b-{i * 7919L:x12}";
        return new LedgerEntry
        {
            BaseUrl = s_server.AbsoluteUri,
            FullName = FullName(i),
            Length = 1_000_000_000L + i,
            LastWriteTimeUtc = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(i * 10_000_019L),
            Md5 = (i * 2654435761L).ToString("x16", CultureInfo.InvariantCulture) + "0123456789abcdef",
            UploadId = id,
            UploadUrl = s_server.AbsoluteUri + "api/v1/upload/" + id + "/",
            CompletedAtUtc = DateTime.UtcNow,
        };
    }

    internal static Percentiles Time(int count, Action<int> operation)
    {
        var micro = new double[count];
        for (var j = 0; j < count; j++)
        {
            var start = Stopwatch.GetTimestamp();
            operation(j);
            micro[j] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        return Percentiles.Of(micro);
    }

    /// <summary>What du says the folder takes on disk (allocated blocks, directories included), in bytes.</summary>
    internal static long Du(string folder)
    {
        var start = new ProcessStartInfo("du") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-s", "-B1", folder }) start.ArgumentList.Add(arg);
        using var du = Process.Start(start)!;
        var output = du.StandardOutput.ReadToEnd();
        du.WaitForExit();
        return long.Parse(output.Split('\t')[0], CultureInfo.InvariantCulture);
    }
}

internal static class Units
{
    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.00", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}

internal static class Machine
{
    public static string Describe(string root)
    {
        var lines = new List<string>
        {
            $"- Date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC",
            $"- CPU: {FirstValue("/proc/cpuinfo", "model name") ?? "?"}, {Environment.ProcessorCount} cores (nproc)",
            $"- Memory: {FirstValue("/proc/meminfo", "MemTotal") ?? "?"}",
            $"- OS: {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; .NET {Environment.Version}",
            $"- Load average at the start (1, 5, 15 min): {LoadAverage()}",
            $"- Folder: {root} on {Run("df", "-T", root).Split('\n').Skip(1).FirstOrDefault()?.Trim() ?? "?"}",
        };
        return string.Join(Environment.NewLine, lines);
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string? FirstValue(string file, string key) =>
        File.Exists(file) ? File.ReadLines(file).Where(l => l.StartsWith(key, StringComparison.Ordinal)).Select(l => l[(l.IndexOf(':') + 1)..].Trim()).FirstOrDefault() : null;

    private static string Run(string command, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var arg in args) start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }
}

/// <summary>A benchmark that hits a damaged entry or a failed write measures nothing: stop.</summary>
internal sealed class FailingLog : IUploadLog
{
    public void Verbose(string message) { }
    public void Warning(string message) => throw new InvalidOperationException(message);
}
