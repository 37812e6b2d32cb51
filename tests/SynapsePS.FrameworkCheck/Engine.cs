using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Batch;

namespace SynapsePS.FrameworkCheck;

/// <summary>
/// The engine's part of the check. Its own class: its methods name engine types, so they are compiled only once
/// Main has registered the resolver.
/// </summary>
internal static class Engine
{
    private const long LargeFileBytes = 300L * 1024 * 1024;
    private const int BatchFiles = 20;

    public static async Task RunAsync(Uri baseUrl, string token, string scratch, Checker check)
    {
        // A process that leaves TLS to the system, as .NET Framework 4.7+ does by default: that must stay as it is.
        ServicePointManager.SecurityProtocol = SecurityProtocolType.SystemDefault;
        var before = ProcessSettings();
        using var dev = new HttpClient { BaseAddress = baseUrl };
        var state = Path.Combine(scratch, "state");

        // One large file, as Send-SynapseChunkedUpload sends it.
        var large = Path.Combine(scratch, "large.bin");
        WriteFile(large, LargeFileBytes, seed: 1);
        var options = new UploadOptions { ChunkSize = 16 * 1024 * 1024, StateDirectory = state };
        using (var client = new SynapseUploadClient(new SynapseConnection(baseUrl, token), options))
        {
            var result = await client.UploadFileAsync(large).ConfigureAwait(false);
            await CheckStoredAsync(dev, result.Id, Md5(large), result.Md5, "the 300 MB file", check).ConfigureAwait(false);
        }

        // A batch of 20, four at a time, as Invoke-SynapseBatchUpload runs it.
        var files = Enumerable.Range(0, BatchFiles).Select(i =>
        {
            var path = Path.Combine(scratch, $"batch-{i:00}.bin");
            WriteFile(path, 256 * 1024 + i * 4099, seed: 100 + i);
            return path;
        }).ToList();
        var settled = new ConcurrentBag<BatchUploadResult>();
        using (var client = new SynapseUploadClient(new SynapseConnection(baseUrl, token), new UploadOptions { ChunkSize = 64 * 1024, StateDirectory = state }))
        {
            var batch = new UploadBatch(client, 4, null, null, settled.Add, CancellationToken.None);
            foreach (var file in files) await batch.SubmitAsync(file).ConfigureAwait(false);
            await batch.WhenIdleAsync().ConfigureAwait(false);
        }
        check($"the batch settled {BatchFiles} files, each uploaded", settled.Count == BatchFiles && settled.All(r => r.Succeeded),
            string.Join("; ", settled.Where(r => !r.Succeeded).Select(r => r.Name + ": " + r.Status)));
        var stored = await dev.GetStringAsync("_dev/uploads").ConfigureAwait(false);
        var intact = settled.Count(r => r.Succeeded && r.Md5 == Md5(r.FullName) && StoredIntact(stored, r.Id!, r.Md5!));
        check($"every file of the batch is stored complete with its MD5 ({intact} of {BatchFiles})", intact == BatchFiles);

        check("a process that leaves TLS to the system keeps SystemDefault",
            ServicePointManager.SecurityProtocol == SecurityProtocolType.SystemDefault, ServicePointManager.SecurityProtocol.ToString());

        // Replies held back after their headers: the response stream here does not watch the token. These go
        // through a pool of their own (-NoProxy), made in a process whose policy allows only TLS 1.0 and 1.1.
        const SecurityProtocolType oldPolicy = SecurityProtocolType.Tls | SecurityProtocolType.Tls11;
        ServicePointManager.SecurityProtocol = oldPolicy;
        await HeldReplyAsync(dev, baseUrl, token, scratch, "stall-reply", "{\"stallReplyRate\":1,\"stallSeconds\":600,\"maxConsecutiveFaults\":1,\"seed\":3}", check).ConfigureAwait(false);
        await HeldReplyAsync(dev, baseUrl, token, scratch, "drip-reply", "{\"dripReplyRate\":1,\"dripSeconds\":0.3,\"maxConsecutiveFaults\":1,\"seed\":3}", check).ConfigureAwait(false);

        var after = ProcessSettings();
        check("a process that allowed neither TLS 1.2 nor SystemDefault gets TLS 1.2 added, and keeps the rest",
            (SecurityProtocolType)after[0] == (oldPolicy | SecurityProtocolType.Tls12), ((SecurityProtocolType)after[0]).ToString());
        ServicePointManager.SecurityProtocol = SecurityProtocolType.SystemDefault;
        check("no other process-wide ServicePointManager setting changed",
            before.Skip(1).SequenceEqual(after.Skip(1)), string.Join(",", before) + " became " + string.Join(",", after));
        var point = ServicePointManager.FindServicePoint(baseUrl);
        check("our origin's service point has the connections -ThrottleLimit needs and Nagle off",
            point.ConnectionLimit >= UploadOptions.MaxConcurrentUploads && !point.UseNagleAlgorithm && !point.Expect100Continue,
            $"limit {point.ConnectionLimit}, Nagle {point.UseNagleAlgorithm}, Expect100Continue {point.Expect100Continue}");
    }

    private static async Task HeldReplyAsync(HttpClient dev, Uri baseUrl, string token, string scratch, string fault, string faults,
        Checker check)
    {
        await PostAsync(dev, "_dev/faults", faults).ConfigureAwait(false);
        try
        {
            var path = Path.Combine(scratch, fault + ".bin");
            WriteFile(path, 64 * 1024 - 7, seed: fault.Length);   // one chunk: one held reply, then the retry
            var log = new Log();
            // A small timeout, so the check waits no longer than this; the server would hold each reply for minutes.
            var options = new UploadOptions { ChunkSize = 64 * 1024, Timeout = TimeSpan.FromSeconds(2), StateDirectory = Path.Combine(scratch, "state") };
            using var client = new SynapseUploadClient(new SynapseConnection(baseUrl, token, network: new SynapseNetworkSettings(noProxy: true)), options);
            var result = await client.UploadFileAsync(path, null, log).ConfigureAwait(false);
            await CheckStoredAsync(dev, result.Id, Md5(path), result.Md5, $"a file whose replies {fault}", check).ConfigureAwait(false);
            check($"a {fault} was cut at the deadline and retried", log.Lines.Any(l => l.Contains("did not arrive whole within 2.0 s")),
                string.Join(" | ", log.Lines));
        }
        finally
        {
            await PostAsync(dev, "_dev/faults", "{}").ConfigureAwait(false);
        }
    }

    private static async Task CheckStoredAsync(HttpClient dev, string id, string localMd5, string resultMd5, string what, Checker check)
    {
        var stored = await dev.GetStringAsync("_dev/uploads").ConfigureAwait(false);
        check($"{what} is uploaded with a verified MD5 and stored whole", resultMd5 == localMd5 && StoredIntact(stored, id, localMd5),
            $"local {localMd5}, result {resultMd5}");
    }

    /// <summary>Whether the dev server's list (GET /_dev/uploads) holds <paramref name="id"/> complete with these bytes.</summary>
    private static bool StoredIntact(string uploadsJson, string id, string md5)
    {
        var record = uploadsJson.Split(new[] { "},{" }, StringSplitOptions.None).SingleOrDefault(r => r.Contains($"\"id\":\"{id}\""));
        return record is not null && record.Contains("\"status\":\"complete\"") && record.Contains($"\"md5OfStoredBytes\":\"{md5}\"");
    }

    private static async Task PostAsync(HttpClient dev, string path, string json)
    {
        using var response = await dev.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json")).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private static long[] ProcessSettings() => new long[]
    {
        (long)ServicePointManager.SecurityProtocol, ServicePointManager.DefaultConnectionLimit,
        ServicePointManager.Expect100Continue ? 1 : 0, ServicePointManager.UseNagleAlgorithm ? 1 : 0,
    };

    private static void WriteFile(string path, long length, int seed)
    {
        var block = new byte[1024 * 1024];
        new Random(seed).NextBytes(block);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        for (long written = 0, n = 0; written < length; written += block.Length, n++)
        {
            block[0] = (byte)n; block[1] = (byte)(n >> 8);   // no two blocks alike
            stream.Write(block, 0, (int)Math.Min(block.Length, length - written));
        }
    }

    private static string Md5(string path)
    {
        using var md5 = MD5.Create();
        using var stream = File.OpenRead(path);
        return string.Concat(md5.ComputeHash(stream).Select(b => b.ToString("x2")));
    }

    private sealed class Log : IUploadLog
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IEnumerable<string> Lines => _lines;

        public void Verbose(string message) => _lines.Enqueue(message);

        public void Warning(string message) => _lines.Enqueue(message);
    }
}
