using System.Globalization;
using SynapsePS.Resume;

/// <summary>
/// What an upload claim costs: claiming and releasing a free file (its lock file already there, and in a fresh
/// folder, where most claims create it), a refused try (the file is held by another claim), and the disk of the
/// claims folder after many distinct files. Prints the machine and a Markdown table.
///   dotnet run -c Release --project bench/SynapsePS.Bench.Ledger -- --claims [--root /tmp]
/// </summary>
internal static class ClaimsBench
{
    private const int Sample = 20_000;
    private const int DistinctFiles = 100_000;
    private static readonly Uri s_server = new("https://synapse.example.org/");

    public static int Run(string root)
    {
        Console.WriteLine(Machine.Describe(root));
        var state = Path.Combine(root, "synapseps-claims-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            Measure(state, report: false);   // warm-up: JIT tiers; not reported
            Directory.Delete(state, recursive: true);
            Measure(state, report: true);
        }
        finally
        {
            if (Directory.Exists(state)) Directory.Delete(state, recursive: true);
        }
        Console.WriteLine($"- Load average at the end: {Machine.LoadAverage()}");
        return 0;
    }

    private static void Measure(string state, bool report)
    {
        var claims = UploadClaims.Open(state);
        static string FullName(int i) => "/data/project/run-" + (i / 1000).ToString("0000", CultureInfo.InvariantCulture) + "/sample-" + i.ToString("000000000", CultureInfo.InvariantCulture) + ".fastq.gz";

        // In a fresh folder: the first claim of a slot creates its lock file (about 63 % of these, the rest meet a
        // slot an earlier file created).
        var fresh = Bench.Time(UploadClaims.SlotCount, j =>
        {
            using var claim = claims.TryClaim(s_server, FullName(j)) ?? throw new InvalidOperationException("a free file was refused");
        });
        var again = Bench.Time(Sample, j =>
        {
            using var claim = claims.TryClaim(s_server, FullName(j)) ?? throw new InvalidOperationException("a free file was refused");
        });
        // 1,000 held files (skipping the few that share a slot with one already held), tried again in turn.
        var held = new List<UploadClaim>();
        for (var j = 0; held.Count < 1000; j++) if (claims.TryClaim(s_server, FullName(j)) is { } claim) held.Add(claim);
        var refused = Bench.Time(Sample, j =>
        {
            if (claims.TryClaim(s_server, held[j % held.Count].FullName) is not null) throw new InvalidOperationException("a held file was claimed twice");
        });
        held.ForEach(c => c.Dispose());
        for (var j = 0; j < DistinctFiles; j++) claims.TryClaim(s_server, FullName(j))!.Dispose();
        var files = Directory.GetFiles(claims.Directory).Length;
        var disk = Bench.Du(claims.Directory);
        if (!report) return;

        Console.WriteLine();
        Console.WriteLine($"Single operations, microseconds, median / p99; slots: {UploadClaims.SlotCount:N0}.");
        Console.WriteLine();
        Console.WriteLine($"| Claim + release, fresh folder (first {UploadClaims.SlotCount:N0} files) | Claim + release ({Sample:N0}) | Refused try ({Sample:N0}) | Distinct files claimed | Lock files | Disk (du) |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine($"| {fresh} | {again} | {refused} | {DistinctFiles:N0} | {files:N0} | {Units.Bytes(disk)} |");
    }
}
