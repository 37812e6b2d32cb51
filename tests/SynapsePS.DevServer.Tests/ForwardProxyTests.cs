using System.Net;
using System.Net.Http.Headers;
using SynapsePS.DevServer.Proxy;
using static SynapsePS.DevServer.Tests.RawRequests;

namespace SynapsePS.DevServer.Tests;

/// <summary>
/// The forward proxy (--forward-proxy) between HttpClient and the dev server: absolute-form requests for
/// http, CONNECT tunnels for https, only to mapped names, with and without Basic proxy credentials.
/// </summary>
public sealed class ForwardProxyTests
{
    private const string Name = ServerFixture.ProxiedName;

    private static HttpClient Through(ForwardProxy proxy, ICredentials? credentials = null, HttpClientHandler? handler = null)
    {
        handler ??= new HttpClientHandler();
        handler.Proxy = new WebProxy(proxy.Url) { Credentials = credentials };
        handler.UseProxy = true;
        return new HttpClient(handler);
    }

    private static Uri Named(DevServer server, string path, string host = Name) =>
        new UriBuilder(server.BaseUrl) { Host = host, Path = path }.Uri;

    [Fact]
    public async Task Plain_http_requests_reach_the_mapped_server_under_its_name()
    {
        await using var server = await ServerFixture.StartAsync();
        await using var proxy = await ServerFixture.StartProxyAsync(server);
        using var http = Through(proxy);
        var data = Bytes(5000, seed: 31);

        var record = await CreateAsync(http, Named(server, "/"), data[..2000], data.Length);
        var (put, _) = await SendAsync(http, Chunk(UrlOf(record), data[2000..], Range(2000, 3000, data.Length)));
        var (finish, done) = await SendAsync(http, Finish(UrlOf(record), Md5(data)));

        Assert.Equal($"http://{Name}:{server.BaseUrl.Port}/chunked_upload/{record.GetProperty("id").GetString()}/", UrlOf(record).AbsoluteUri);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (put, finish));
        Assert.Equal(2, done.GetProperty("status").GetInt32());
        Assert.Equal(Md5(data), server.Uploads.Single().Md5OfStoredBytes);
        var log = proxy.Log;
        Assert.Equal(new[] { "PUT", "PUT", "POST" }, log.Select(e => e.Method));
        Assert.All(log, e => Assert.Equal(($"{Name}:{server.BaseUrl.Port}", 200, $"127.0.0.1:{server.BaseUrl.Port}", false), (e.Target, e.Status, e.ForwardedTo, e.AuthGiven)));
        Assert.Equal("/chunked_upload/", log[0].Path);
        Assert.All(server.Requests, r => Assert.Equal($"{Name}:{server.BaseUrl.Port}", r.Host));
    }

    [Fact]
    public async Task Large_bodies_stream_both_ways_with_and_without_a_length_on_one_kept_alive_connection()
    {
        await using var server = await ServerFixture.StartAsync();
        await using var proxy = await ServerFixture.StartProxyAsync(server);
        using var http = Through(proxy);
        var data = Bytes(24 * 1024 * 1024, seed: 32);
        var half = data.Length / 2;

        var record = await CreateAsync(http, Named(server, "/"), data[..half], data.Length);
        // The second chunk's multipart body has no length: it goes chunked, through the proxy's chunk framing.
        var form = new MultipartFormDataContent { { new StringContent("data.bin"), "filename" }, { new StreamContent(new UnknownLengthStream(data[half..])), "file", "chunk" } };
        form.Headers.TryAddWithoutValidation("Content-Range", Range(half, data.Length - half, data.Length));
        var (put, _) = await SendAsync(http, WithToken(new HttpRequestMessage(HttpMethod.Put, UrlOf(record)) { Content = form }, TokenA));
        using var listing = await http.SendAsync(Get(Named(server, "/chunked_upload/")));
        var listed = await listing.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, put);
        Assert.Equal(Md5(data), server.Uploads.Single().Md5OfStoredBytes);
        Assert.Contains(server.Requests, r => r.ContentLength is null && r.Method == "PUT");
        Assert.Contains("\"offset\":" + data.Length, System.Text.Encoding.UTF8.GetString(listed));
        Assert.Single(server.Requests.Select(r => r.ConnectionId).Distinct());
    }

    [Fact]
    public async Task Without_or_with_wrong_credentials_the_proxy_answers_407_and_forwards_nothing()
    {
        await using var server = await ServerFixture.StartAsync();
        await using var proxy = await ServerFixture.StartProxyAsync(server, "alice", "correct horse");
        using var anonymous = Through(proxy);
        using var wrong = Through(proxy, new NetworkCredential("alice", "wrong"));
        using var right = Through(proxy, new NetworkCredential("alice", "correct horse"));
        var url = Named(server, "/chunked_upload/");

        using var noAuth = await anonymous.SendAsync(Get(url));
        using var badAuth = await wrong.SendAsync(Get(url));
        Assert.Empty(server.Requests);
        using var goodAuth = await right.SendAsync(Get(url));

        Assert.Equal(HttpStatusCode.ProxyAuthenticationRequired, noAuth.StatusCode);
        Assert.Equal("Basic realm=\"synapse-test\"", noAuth.Headers.ProxyAuthenticate.ToString());
        Assert.Equal(HttpStatusCode.ProxyAuthenticationRequired, badAuth.StatusCode);
        Assert.Equal(HttpStatusCode.OK, goodAuth.StatusCode);
        Assert.Single(server.Requests);
        var log = proxy.Log;
        Assert.Contains(log, e => e.Status == 407 && !e.AuthGiven && e.ForwardedTo is null);
        Assert.Contains(log, e => e.Status == 407 && e.AuthGiven && e.ForwardedTo is null);
        Assert.Equal(200, log[^1].Status);
        Assert.True(log[^1].AuthGiven);
    }

    [Fact]
    public async Task A_connect_tunnel_carries_https_to_the_server_which_proves_its_name()
    {
        await using var server = await ServerFixture.StartAsync(o => o.Https = true);
        await using var proxy = await ServerFixture.StartProxyAsync(server, "bob", "pw");
        using var http = Through(proxy, new NetworkCredential("bob", "pw"), TlsTests.Trusting(server.Certificate!));
        var data = Bytes(300_000, seed: 33);

        var record = await CreateAsync(http, Named(server, "/"), data, data.Length);
        var (status, done) = await SendAsync(http, Finish(UrlOf(record), Md5(data), FinishEncoding.Json));

        Assert.Equal($"https://{Name}:{server.BaseUrl.Port}/chunked_upload/{record.GetProperty("id").GetString()}/", UrlOf(record).AbsoluteUri);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, done.GetProperty("status").GetInt32());
        var tunnel = proxy.Log.Last(e => e.Status == 200);
        Assert.Equal(("CONNECT", $"{Name}:{server.BaseUrl.Port}", (string?)null, true), (tunnel.Method, tunnel.Target, tunnel.Path, tunnel.AuthGiven));
        Assert.DoesNotContain(proxy.Log, e => e.Method != "CONNECT");
        Assert.All(server.Requests, r => Assert.Equal($"{Name}:{server.BaseUrl.Port}", r.Host));
    }

    [Fact]
    public async Task An_unmapped_name_gets_502_for_http_and_https_and_is_never_contacted()
    {
        await using var server = await ServerFixture.StartAsync();
        await using var proxy = await ServerFixture.StartProxyAsync(server);
        using var http = Through(proxy);

        using var plain = await http.GetAsync(Named(server, "/chunked_upload/", "elsewhere.test"));
        var tunnel = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri("https://elsewhere.test:443/")));
        using var mapped = await http.SendAsync(Get(Named(server, "/chunked_upload/")));

        Assert.Equal(HttpStatusCode.BadGateway, plain.StatusCode);
        Assert.Contains("502", tunnel.Message);
        Assert.Equal(HttpStatusCode.OK, mapped.StatusCode);
        var refused = proxy.Log.Where(e => e.Status == 502).ToList();
        Assert.Equal(new[] { ("GET", $"elsewhere.test:{server.BaseUrl.Port}"), ("CONNECT", "elsewhere.test:443") }, refused.Select(e => (e.Method, e.Target)));
        Assert.All(refused, e => Assert.Null(e.ForwardedTo));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task The_log_is_read_and_reset_over_http_at_the_proxy_itself()
    {
        await using var server = await ServerFixture.StartAsync();
        await using var proxy = await ServerFixture.StartProxyAsync(server);
        using (var http = Through(proxy)) await http.SendAsync(Get(Named(server, "/chunked_upload/")));
        using var direct = new HttpClient(new HttpClientHandler { UseProxy = false });

        var before = await direct.GetStringAsync(new Uri(proxy.Url, "_proxy/log"));
        using var reset = await direct.PostAsync(new Uri(proxy.Url, "_proxy/reset-log"), null);
        var after = await direct.GetStringAsync(new Uri(proxy.Url, "_proxy/log"));

        Assert.Matches("^http://127\\.0\\.0\\.1:\\d+/$", proxy.Url.AbsoluteUri);
        Assert.Contains($"\"target\":\"{Name}:{server.BaseUrl.Port}\"", before);
        Assert.Contains("\"forwardedTo\":\"127.0.0.1:", before);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal("[]", after);
    }

    [Theory]
    [InlineData("synapse.test=192.0.2.1:80")]
    [InlineData("synapse.test=0.0.0.0:80")]
    [InlineData("synapse.test=somewhere.example:80")]
    [InlineData("synapse.test")]
    public void A_map_to_anything_but_a_loopback_address_is_refused(string mapping)
    {
        Assert.Throws<ArgumentException>(() => ForwardProxyOptions.Parse(["--forward-proxy", "--map", mapping]));
    }

    [Fact]
    public async Task The_executable_runs_the_proxy_and_prints_its_url_first()
    {
        await using var server = await ServerFixture.StartAsync();
        using var process = await ServerProcess.StartAsync("--forward-proxy", "--map", $"{Name}={server.BaseUrl.AbsoluteUri}", "--proxy-user", "u", "--proxy-password", "p");
        Assert.Matches("^http://127\\.0\\.0\\.1:\\d+/$", process.FirstLine);
        using var http = new HttpClient(new HttpClientHandler { Proxy = new WebProxy(process.FirstLine) { Credentials = new NetworkCredential("u", "p") }, UseProxy = true });

        using var answer = await http.SendAsync(Get(Named(server, "/chunked_upload/")));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("--forward-proxy", DevServerOptions.Usage);
        Assert.All(new[] { "--map", "--proxy-user", "--proxy-password" }, o => Assert.Contains(o, DevServerOptions.Usage));
    }

    /// <summary>A stream that will not tell its length, so HttpClient sends it with chunked transfer encoding.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
