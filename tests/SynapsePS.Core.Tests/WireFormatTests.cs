using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SynapsePS.Core.Tests;

/// <summary>
/// The bytes on the wire, captured on a loopback socket: they must be what synapse-sdk sends through Python
/// requests. assets/record_requests.py recorded requests' own output for the second test.
/// </summary>
public sealed class WireFormatTests : IDisposable
{
    private static readonly Regex BoundaryInType = new("^multipart/form-data; boundary=([0-9a-f]{32})$");
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static SynapseConnection AllFourTokens(Uri baseUrl, string access = "secret", string auth = "auth", string agent = "agent") =>
        new(baseUrl, access, tenant: "acme", authorizationToken: auth, agentToken: agent);

    [Fact]
    public async Task Chunk_put_and_json_finish_are_byte_exact()
    {
        using var capture = new CaptureServer();
        var path = Path.Combine(_scratch.Root, "caption.txt");
        File.WriteAllBytes(path, "hello"u8.ToArray());
        var client = new SynapseUploadClient(AllFourTokens(capture.BaseUrl), _scratch.Options());

        var upload = client.UploadFileAsync(path);
        var put = await capture.NextRequestAsync();

        Assert.StartsWith("PUT /chunked_upload/ HTTP/1.1\r\n", put.Head);
        Assert.Contains("\r\nContent-Range: bytes 0-4/5\r\n", put.Head);
        Assert.Contains("\r\nSynapse-Access-Token: Token secret\r\n", put.Head);
        Assert.Contains("\r\nAuthorization: Token auth\r\n", put.Head);
        Assert.Contains("\r\nSynapse-Tenant: Token acme\r\n", put.Head);
        Assert.Contains("\r\nSYNAPSE-Agent: Token agent\r\n", put.Head);
        Assert.DoesNotContain("Transfer-Encoding", put.Head);
        Assert.DoesNotContain("Expect:", put.Head);
        var boundary = BoundaryInType.Match(put.Header("Content-Type")!).Groups[1].Value;
        Assert.Equal(32, boundary.Length);
        var expected = $"--{boundary}\r\nContent-Disposition: form-data; name=\"filename\"\r\n\r\ncaption.txt\r\n" +
                       $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"chunk\"\r\n\r\n" +
                       $"hello\r\n--{boundary}--\r\n";
        Assert.Equal(expected, Encoding.UTF8.GetString(put.Body));
        Assert.Equal(Encoding.UTF8.GetByteCount(expected).ToString(), put.Header("Content-Length"));

        var finish = await capture.NextRequestAsync();
        Assert.StartsWith("POST /chunked_upload/cap1/ HTTP/1.1\r\n", finish.Head);
        Assert.Contains("\r\nContent-Type: application/json\r\n", finish.Head);
        Assert.DoesNotContain("charset", finish.Head, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("{\"md5\": \"5d41402abc4b2a76b9719d911017c592\"}", Encoding.ASCII.GetString(finish.Body));
        Assert.Equal("43", finish.Header("Content-Length"));
        Assert.Contains("\r\nSYNAPSE-Agent: Token agent\r\n", finish.Head);
        var result = await upload;
        Assert.Equal("cap1", result.Id);
        Assert.Equal("Complete", result.Status);
    }

    [Fact]
    public async Task Requests_equal_the_recorded_python_requests_ones()
    {
        // The values assets/record_requests.py used.
        var chunk = "hello\r\n--not-a-boundary\r\n"u8.ToArray().Concat(new byte[] { 0x00, 0xff, 0xfe }).Concat(" bytes"u8.ToArray()).ToArray();
        var path = Path.Combine(_scratch.Root, "데이터셋 [1].zip");
        File.WriteAllBytes(path, chunk);
        using var capture = new CaptureServer(basePath: "/api/");
        var client = new SynapseUploadClient(AllFourTokens(capture.BaseUrl, "access-secret", "auth-secret", "agent-secret"), _scratch.Options());

        var result = await client.UploadFileAsync(path);
        var put = capture.Requests[0];
        var finish = capture.Requests[1];

        Assert.Equal(Scratch.Md5(path), result.Md5);
        AssertSameRequest("python-chunk-put", put);
        AssertSameRequest("python-finish-post", finish);
    }

    /// <summary>The same body and the same header lines (names as sent) as requests prepared, the boundary aside.</summary>
    private static void AssertSameRequest(string recorded, CapturedRequest mine)
    {
        var assets = Path.Combine(AppContext.BaseDirectory, "assets");
        var pythonBody = File.ReadAllBytes(Path.Combine(assets, recorded + ".body"));
        var pythonHeaders = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Path.Combine(assets, recorded + ".headers.json")))!;

        var pythonBoundary = BoundaryInType.Match(pythonHeaders["Content-Type"]).Groups[1].Value;
        var myBoundary = BoundaryInType.Match(mine.Header("Content-Type")!).Groups[1].Value;
        Assert.Equal(pythonBoundary.Length, myBoundary.Length);

        Assert.Equal(Convert.ToHexString(WithBoundary(pythonBody, pythonBoundary)), Convert.ToHexString(WithBoundary(mine.Body, myBoundary)));
        foreach (var (name, value) in pythonHeaders)
        {
            var sent = mine.Headers.Where(h => h.Name == name).Select(h => h.Value).ToList();
            Assert.True(sent.Count == 1, $"'{name}' must be sent once, with that spelling; sent: {string.Join(", ", mine.Headers.Select(h => h.Name))}");
            Assert.Equal(Replace(value, pythonBoundary), Replace(sent[0], myBoundary));
        }
        // Beyond requests' own, only what every HTTP/1.1 client adds (a session adds its User-Agent too).
        var extra = mine.Headers.Select(h => h.Name).Where(n => !pythonHeaders.ContainsKey(n)).ToList();
        Assert.All(extra, n => Assert.Contains(n, new[] { "Host", "User-Agent" }));
    }

    private static string Replace(string text, string boundary) => boundary.Length == 0 ? text : text.Replace(boundary, "BOUNDARY");

    private static byte[] WithBoundary(byte[] body, string boundary) =>
        boundary.Length == 0 ? body : Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(body).Replace(boundary, "BOUNDARY"));
}
