using System.Security.Cryptography;
using System.Text;
using SynapsePS;
using SynapsePS.Resume;

// Usage: SynapsePS.LedgerStress <state-dir> <writer-name> <key-count> <writes; 0 = until killed>
// (or: SynapsePS.LedgerStress claim ..., which holds upload claims for ClaimTests; see ClaimHolder.cs)
// Prints "ready" and waits for a line on stdin, so that a test can start several writers at the same instant. Then
// writes entries of keys chosen at random among key-count (the same keys in every writer), reads another key after
// each write, and prints "writing" once the first entry is down. At the end prints "others <n>": how many reads found
// an entry another writer wrote, the proof that the writers really ran at the same time. Every entry is self-checking: its Md5 field is the
// MD5 of "FullName|UploadId|Length", so a reader can tell a whole entry from a mix of two. Exit code 3 when any read
// reported a damaged entry.
if (args.Length > 0 && args[0] == "claim") return await ClaimHolder.RunAsync(args[1..]);
if (args.Length != 4)
{
    Console.Error.WriteLine("usage: SynapsePS.LedgerStress <state-dir> <writer-name> <key-count> <writes; 0 = until killed>");
    return 2;
}
var ledger = UploadLedger.Open(args[0]);
var writer = args[1];
var keys = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
var writes = long.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
var baseUrl = new Uri("http://127.0.0.1:9/");
var log = new CountingLog();
var random = new Random();
long others = 0;
Console.WriteLine("ready");
Console.ReadLine();

for (long n = 1; writes == 0 || n <= writes; n++)
{
    var fullName = "/stress/file-" + random.Next(keys) + ".bin";
    var uploadId = writer + "-" + n;
    ledger.Record(new LedgerEntry
    {
        BaseUrl = baseUrl.AbsoluteUri,
        FullName = fullName,
        Length = n,
        LastWriteTimeUtc = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(n),
        Md5 = Fingerprint(fullName, uploadId, n),
        UploadId = uploadId,
        UploadUrl = baseUrl.AbsoluteUri + "api/upload/" + uploadId + "/",
        CompletedAtUtc = DateTime.UtcNow,
    }, log);
    if (n == 1) Console.WriteLine("writing");
    var read = ledger.TryGet(baseUrl, "/stress/file-" + random.Next(keys) + ".bin", log);
    if (read is not null && read.Md5 != Fingerprint(read.FullName, read.UploadId, read.Length)) log.Warning("inconsistent entry " + read.UploadId);
    if (read is not null && !read.UploadId.StartsWith(writer + "-", StringComparison.Ordinal)) others++;
}
Console.WriteLine("others " + others);
return log.Count == 0 ? 0 : 3;

static string Fingerprint(string fullName, string uploadId, long length) =>
    Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(fullName + "|" + uploadId + "|" + length)));

/// <summary>Counts warnings and echoes them to stderr, where the test shows them when it fails.</summary>
internal sealed class CountingLog : IUploadLog
{
    private int _count;
    public int Count => Volatile.Read(ref _count);
    public void Verbose(string message) { }
    public void Warning(string message)
    {
        Interlocked.Increment(ref _count);
        Console.Error.WriteLine("warning: " + message);
    }
}
