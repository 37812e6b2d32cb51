using System.Diagnostics;
using System.Globalization;
using SynapsePS.Files;

// Measures the folder walk behind -Recurse: files/s and the process's peak memory, one fresh process per figure.
//   dotnet run -c Release --project bench/SynapsePS.Bench.Walk [-- [--root /tmp] [--passes 5]]
// The trees (512 B files) are made once under <root>/synapseps-walk-bench and kept for the next run. Figures are
// warm-cache: the entries just written, or listed by the previous pass, are in the page cache.

var root = Directory.Exists("/tmp") ? "/tmp" : Path.GetTempPath();
var passes = 5;
string? child = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--root") root = args[++i];
    else if (args[i] == "--passes") passes = int.Parse(args[++i], CultureInfo.InvariantCulture);
    else if (args[i] == "--child") child = args[++i];
}
if (child is not null) return Child.Run(child, passes);

var benchRoot = Path.Combine(root, "synapseps-walk-bench");
var trees = new (string Name, string Path, int Files, int[] Shape)[]
{
    ("flat 10,000", Path.Combine(benchRoot, "flat-10000"), 10_000, []),
    ("flat 100,000", Path.Combine(benchRoot, "flat-100000"), 100_000, []),
    ("nested 100,000 (10 x 10 folders x 1,000)", Path.Combine(benchRoot, "nested-100000"), 100_000, [10, 10]),
};
foreach (var tree in trees) Trees.Make(tree.Path, tree.Files, tree.Shape);

Console.WriteLine($"- {Environment.ProcessorCount} cores, {RuntimeVersion()}, {Environment.OSVersion}; files of 512 B under {benchRoot}");
Console.WriteLine($"- Load average at the start: {LoadAverage()}");
Console.WriteLine();
Console.WriteLine($"Best of {passes} passes after one warm-up, each tree in a fresh process.");
Console.WriteLine();
Console.WriteLine("| Tree | FileTree.Walk, files/s | FileTreeCount, files/s | DirectoryInfo.EnumerateFiles with lengths (recursive), files/s | Allocated per file | Live heap while walking (max) | Peak RSS of the process |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
foreach (var (tree, gen0) in trees.SelectMany(t => new[] { (t, (string?)null), (t, "0x1000000") }))
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
    // The second run caps the gen-0 budget at 16 MiB: the runtime's default budget (sized from the cache) lets
    // garbage pile up before the first collection, which shows as RSS without being memory the walk keeps.
    if (gen0 is not null) start.Environment["DOTNET_GCgen0size"] = gen0;
    if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") start.ArgumentList.Add(typeof(Child).Assembly.Location);
    foreach (var a in new[] { "--child", tree.Path, "--passes", passes.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
    using var process = Process.Start(start)!;
    var line = process.StandardOutput.ReadToEnd().Trim();
    process.WaitForExit();
    if (process.ExitCode != 0) return process.ExitCode;
    Console.WriteLine($"| {tree.Name}{(gen0 is null ? "" : ", gen-0 budget 16 MiB")} | {line} |");
}
Console.WriteLine();
Console.WriteLine($"- Load average at the end: {LoadAverage()}");
return 0;

static string RuntimeVersion() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

internal static class Trees
{
    /// <summary>Makes <paramref name="files"/> files of 512 B, flat or spread over folders of the given fan-out.</summary>
    public static void Make(string path, int files, int[] shape)
    {
        var done = Path.Combine(path, ".complete");
        if (File.Exists(done)) return;
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        Console.Error.WriteLine($"making {files:N0} files under {path}");
        var folders = new List<string> { path };
        foreach (var fanOut in shape)
            folders = folders.SelectMany(f => Enumerable.Range(0, fanOut).Select(i => Path.Combine(f, $"d{i:D2}"))).ToList();
        foreach (var folder in folders) Directory.CreateDirectory(folder);
        var content = new byte[512];
        for (var i = 0; i < files; i++)
        {
            content[0] = (byte)i;
            File.WriteAllBytes(Path.Combine(folders[i % folders.Count], $"f{i:D7}.bin"), content);
        }
        // Hidden, so the walk (without force) does not count it.
        File.WriteAllText(done, "");
    }
}

internal static class Child
{
    public static int Run(string path, int passes)
    {
        var tree = new FileTree([path], FileTreeFilter.Default);
        long expected = -1;
        double walkBest = 0, countBest = 0, enumerateBest = 0, allocatedPerFile = 0;
        for (var pass = 0; pass <= passes; pass++)
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            long files = 0, bytes = 0;
            foreach (var file in tree.Walk((folder, error) => throw new InvalidOperationException($"{folder}: {error.Message}")))
            {
                files++;
                bytes += file.Length;
            }
            var seconds = clock.Elapsed.TotalSeconds;
            if (bytes != files * 512) throw new InvalidOperationException($"{files} files but {bytes} bytes");
            if (expected >= 0 && files != expected) throw new InvalidOperationException("the tree changed");
            expected = files;
            if (pass == 0) continue;
            walkBest = Math.Max(walkBest, files / seconds);
            allocatedPerFile = (double)(GC.GetAllocatedBytesForCurrentThread() - allocated) / files;
        }
        // Peak RSS before anything else runs in this process: what the walk alone took.
        var peak = PeakRss();

        // What the walk keeps alive: the live managed heap after a full collection every 10,000 files, at its highest.
        long liveHeap = 0, seen = 0;
        foreach (var _ in tree.Walk())
        {
            if (++seen % 10_000 == 0) liveHeap = Math.Max(liveHeap, GC.GetTotalMemory(forceFullCollection: true));
        }

        for (var pass = 0; pass < passes; pass++)
        {
            var clock = Stopwatch.StartNew();
            var total = FileTreeCount.Start(tree).Completion.GetAwaiter().GetResult();
            if (total.Files != expected) throw new InvalidOperationException($"count {total.Files}, walk {expected}");
            countBest = Math.Max(countBest, total.Files / clock.Elapsed.TotalSeconds);
        }
        // What .NET itself does with lengths: recursive DirectoryInfo.EnumerateFiles (a queue of pending folders).
        var everything = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden };
        for (var pass = 0; pass < passes; pass++)
        {
            var clock = Stopwatch.StartNew();
            long files = 0, bytes = 0;
            foreach (var info in new DirectoryInfo(path).EnumerateFiles("*", everything))
            {
                files++;
                bytes += info.Length;
            }
            if (files != expected || bytes != files * 512) throw new InvalidOperationException($"EnumerateFiles {files}, walk {expected}");
            enumerateBest = Math.Max(enumerateBest, files / clock.Elapsed.TotalSeconds);
        }

        Console.WriteLine(string.Join(" | ",
            Rate(walkBest), Rate(countBest), Rate(enumerateBest),
            allocatedPerFile.ToString("N0", CultureInfo.InvariantCulture) + " B",
            (liveHeap / 1048576.0).ToString("N2", CultureInfo.InvariantCulture) + " MiB",
            (peak / 1048576.0).ToString("N1", CultureInfo.InvariantCulture) + " MiB"));
        return 0;
    }

    private static string Rate(double filesPerSecond) => filesPerSecond.ToString("N0", CultureInfo.InvariantCulture);

    // VmHWM: the resident high-water mark of this process (Process.PeakWorkingSet64 on Linux reads the same).
    private static long PeakRss()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }
}
