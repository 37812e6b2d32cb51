using SynapsePS.Resume;

/// <summary>
/// The "claim" mode of this child, for the claims' multi-process tests (ClaimTests):
/// <c>SynapsePS.LedgerStress claim &lt;state-dir&gt; &lt;base-url&gt; &lt;full-name&gt;...</c> claims every file (waiting for
/// any held elsewhere, and printing "refused N" at each refused try), prints "held", then holds the claims until it
/// reads a line on stdin (or is killed), releases them and prints "released".
/// </summary>
internal static class ClaimHolder
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine("usage: SynapsePS.LedgerStress claim <state-dir> <base-url> <full-name>...");
            return 2;
        }
        var claims = UploadClaims.Open(args[0]);
        var baseUrl = new Uri(args[1]);
        var held = new List<UploadClaim>();
        var refusals = new RefusalCounter();
        foreach (var fullName in args.Skip(2))
            held.Add(await claims.ClaimAsync(baseUrl, fullName, refusals, CancellationToken.None));
        Console.WriteLine("held");
        Console.ReadLine();
        foreach (var claim in held) claim.Dispose();
        Console.WriteLine("released");
        return 0;
    }
}

/// <summary>Prints each refused try, so a test knows the child tried while another held the claim (no clock needed).</summary>
internal sealed class RefusalCounter : IProgress<TimeSpan>
{
    private int _count;

    public void Report(TimeSpan waited) => Console.WriteLine("refused " + Interlocked.Increment(ref _count));
}
