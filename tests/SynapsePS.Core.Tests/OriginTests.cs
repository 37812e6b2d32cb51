using System.Net;
using SynapsePS.Protocol;
using SynapsePS.Resilience;
using SynapsePS.Resume;
using SynapsePS.Upload;

namespace SynapsePS.Core.Tests;

/// <summary>
/// The credentials go to the base URL's origin and nowhere else. A server behind a proxy may name its uploads
/// at an internal address (drf builds 'url' from the request it received); a second real server stands there
/// and must see no connection at all.
/// </summary>
public sealed class OriginTests : IDisposable
{
    private const int Chunk = UploadOptions.MinChunkSize;
    private static readonly IPAddress SecondLoopback = ServerFixture.SecondLoopback;
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    public static TheoryData<string> ForeignPlaces => new() { "another loopback address", "another port", "https where the client used http" };

    [Theory]
    [MemberData(nameof(ForeignPlaces))]
    public async Task A_url_on_another_origin_is_never_contacted_and_the_upload_completes_on_the_base(string place)
    {
        await using var foreign = await ServerFixture.StartAsync(o => o.BindAddress = place == "another loopback address" ? SecondLoopback : IPAddress.Loopback);
        var advertised = place switch
        {
            "https where the client used http" => new Uri($"https://127.0.0.1:{foreign.BaseUrl.Port}/"),
            _ => foreign.BaseUrl,
        };
        using var server = new CaptureServer { AdvertisedBase = advertised };
        var path = _scratch.File("foreign.bin", Chunk * 2 + 10);
        var log = new RecordingLog();
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, "secret", agentToken: "agent"), _scratch.Options(Chunk));

        var result = await client.UploadFileAsync(path, log: log);

        Assert.Equal(0, foreign.Connections);
        Assert.Equal(Scratch.Md5(path), result.Md5);
        Assert.Equal("Complete", result.Status);
        Assert.Equal(new Uri(server.BaseUrl, "chunked_upload/cap1/"), result.Url);
        Assert.Equal(new Uri(advertised, "chunked_upload/cap1/").AbsoluteUri, result.ServerRecord["url"]);
        Assert.Equal(new[] { "PUT /chunked_upload/", "PUT /chunked_upload/cap1/", "PUT /chunked_upload/cap1/", "POST /chunked_upload/cap1/" },
            server.Requests.Select(r => $"{r.Method} {r.Path}"));
        Assert.All(server.Requests, r => Assert.Equal("Token agent", r.Header("SYNAPSE-Agent")));
        var said = log.VerboseLines.Where(l => l.Contains(advertised.GetLeftPart(UriPartial.Authority))).ToList();
        Assert.Single(said);   // once per upload, not once per chunk
        Assert.Contains("instead", said[0]);
    }

    [Fact]
    public async Task A_url_outside_the_base_path_is_replaced_by_the_protocols_own()
    {
        using var server = new CaptureServer(basePath: "/api/");
        server.AdvertisedBase = new Uri(server.BaseUrl, "/internal/");   // same origin, another path
        var path = _scratch.File("path.bin", Chunk + 1);
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, "secret"), _scratch.Options(Chunk));

        var result = await client.UploadFileAsync(path);

        Assert.Equal(new[] { "/api/chunked_upload/", "/api/chunked_upload/cap1/", "/api/chunked_upload/cap1/" }, server.Requests.Select(r => r.Path));
        Assert.Equal(new Uri(server.BaseUrl, "chunked_upload/cap1/"), result.Url);
    }

    [Fact]
    public async Task The_journal_stores_the_url_used_and_the_resume_stays_on_the_base()
    {
        await using var foreign = await ServerFixture.StartAsync(o => o.BindAddress = SecondLoopback);
        using var server = new CaptureServer { AdvertisedBase = foreign.BaseUrl };
        var path = _scratch.File("journal.bin", Chunk * 3);
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, "secret"), _scratch.Options(Chunk));
        using var cts = new CancellationTokenSource();
        var progress = new InlineProgress(p => { if (p.BytesDone > Chunk) cts.Cancel(); });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.UploadFileAsync(path, progress, null, cts.Token));
        var entry = UploadJournal.Open(_scratch.StateDirectory).TryLoad(server.BaseUrl, path);

        Assert.NotNull(entry);
        Assert.Equal(new Uri(server.BaseUrl, "chunked_upload/cap1/").AbsoluteUri, entry!.UploadUrl);

        var result = await client.UploadFileAsync(path);

        Assert.True(result.Resumed);
        Assert.Equal(Scratch.Md5(path), result.Md5);
        Assert.Equal(0, foreign.Connections);
        Assert.Contains(server.Requests, r => r.Method == "GET" && r.Path == "/chunked_upload/cap1/");
    }

    [Fact]
    public async Task A_journal_naming_another_origin_resumes_on_the_base()
    {
        // A journal written before the origin rule existed may hold the server's internal url.
        await using var foreign = await ServerFixture.StartAsync(o => o.BindAddress = SecondLoopback);
        using var server = new CaptureServer();
        var path = _scratch.File("old-journal.bin", Chunk + 5);
        var info = new FileInfo(path);
        UploadJournal.Open(_scratch.StateDirectory).Save(new JournalEntry
        {
            BaseUrl = server.BaseUrl.AbsoluteUri,
            UploadUrl = new Uri(foreign.BaseUrl, "chunked_upload/cap1/").AbsoluteUri,
            UploadId = "cap1",
            FullName = info.FullName,
            Length = info.Length,
            LastWriteTimeUtc = info.LastWriteTimeUtc,
        });
        var client = new SynapseUploadClient(new SynapseConnection(server.BaseUrl, "secret"), _scratch.Options(Chunk));

        var result = await client.UploadFileAsync(path);

        Assert.True(result.Resumed);
        Assert.Equal("GET /chunked_upload/cap1/", $"{server.Requests[0].Method} {server.Requests[0].Path}");
        Assert.Equal(0, foreign.Connections);
    }

    [Fact]
    public async Task The_protocol_itself_refuses_to_send_a_request_to_another_origin()
    {
        // Defence in depth: even a url that slipped past the records' check never leaves with the credentials.
        await using var foreign = await ServerFixture.StartAsync(o => o.BindAddress = SecondLoopback);
        var options = _scratch.Options();
        var protocol = new ChunkedUploadProtocol(new SynapseConnection(new Uri("http://127.0.0.1:9/"), "secret"), options, RetryPolicy.Build(options, null, TimeProvider.System));

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() =>
            protocol.GetRecordAsync(new Uri(foreign.BaseUrl, "chunked_upload/x/"), new OperationStats(null), CancellationToken.None));

        Assert.Equal(SynapseErrorKind.UnexpectedError, ex.Kind);
        Assert.False(ex.IsTransient);
        Assert.DoesNotContain("secret", ex.Message);
        Assert.Equal(0, foreign.Connections);
    }

    [Fact]
    public async Task A_redirect_is_reported_not_followed()
    {
        await using var target = await ServerFixture.StartAsync(o => o.BindAddress = SecondLoopback);
        using var redirecting = new CaptureServer();
        redirecting.Answer("/chunked_upload/", "{}", 302, $"Location: {target.BaseUrl}chunked_upload/");
        var path = _scratch.File("redirect.bin", 100);
        var client = new SynapseUploadClient(new SynapseConnection(redirecting.BaseUrl, "secret"), _scratch.Options());

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path));

        Assert.Equal(SynapseErrorKind.UnexpectedResponse, ex.Kind);
        Assert.Equal(302, ex.StatusCode);
        Assert.Contains(target.BaseUrl.Authority, ex.Message);
        Assert.Single(redirecting.Requests);
        Assert.Equal(0, target.Connections);
    }
}
