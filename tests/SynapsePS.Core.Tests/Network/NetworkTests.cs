using System.Net;
using SynapsePS.DevServer;
using SynapsePS.DevServer.Proxy;
using SynapsePS.DevServer.Tls;
using SynapsePS.Http;

namespace SynapsePS.Core.Tests.Network;

/// <summary>
/// Proxies and TLS against the real dev server: its HTTPS (self-signed, expired, or demanding a client
/// certificate) and its forward proxy with Basic authentication. Proxied requests name synapse.test, which only
/// the proxy resolves.
/// </summary>
public sealed class NetworkTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private const string ProxyPassword = "proxy-pass-Zq81!";
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static Task<DevServer.DevServer> HttpsServerAsync(Action<DevServerOptions>? configure = null) =>
        ServerFixture.StartAsync(o => { o.Https = true; configure?.Invoke(o); });

    private static Task<ForwardProxy> ProxyAsync(DevServer.DevServer server) => ServerFixture.StartProxyAsync(server, "runbook", ProxyPassword);

    // synapse.test is only a name the test proxy maps to loopback, so plain http to it stays on this machine.
    private SynapseConnection Connection(Uri baseUrl, SynapseNetworkSettings network) =>
        new(baseUrl, ServerFixture.Token, allowUnencryptedAuthentication: true, network: network);

    private async Task<UploadResult> UploadAsync(SynapseConnection connection, string name, int length = 100_000, RecordingLog? log = null)
    {
        var path = _scratch.File(name, length, seed: name.Length);
        var result = await new SynapseUploadClient(connection, _scratch.Options(chunkSize: 64 * 1024)).UploadFileAsync(path, null, log);
        Assert.Equal(Scratch.Md5(path), result.Md5);
        Assert.Equal(Scratch.Md5(path), Scratch.Md5(fixture.Server.Uploads.Single(u => u.Id == result.Id).StoredPath));
        return result;
    }

    /// <summary>
    /// One upload with a token the server refuses: AuthenticationFailed (401) proves the request went all the way
    /// and was answered; any other failure says where it stopped.
    /// </summary>
    private async Task<SynapseClientException> ProbeAsync(Uri baseUrl, SynapseNetworkSettings network, RecordingLog? log = null)
    {
        var path = _scratch.File("probe-" + Guid.NewGuid().ToString("N") + ".bin", 10);
        var client = new SynapseUploadClient(new SynapseConnection(baseUrl, "not-a-token", allowUnencryptedAuthentication: true, network: network), _scratch.Options());
        return await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path, null, log));
    }

    [Fact]
    public void Equal_settings_share_one_client_and_different_ones_get_their_own()
    {
        var proxy = new Uri("http://proxy.example:3128/");
        var a = HttpClientPool.For(new SynapseNetworkSettings(proxy, new NetworkCredential("u", "p1")));
        var b = HttpClientPool.For(new SynapseNetworkSettings(proxy, new NetworkCredential("u", "p1")));
        var c = HttpClientPool.For(new SynapseNetworkSettings(proxy, new NetworkCredential("u", "p2")));
        var d = HttpClientPool.For(new SynapseNetworkSettings(skipCertificateCheck: true));
        Assert.Same(a, b);
        Assert.NotSame(a, c);
        Assert.NotSame(a, d);
        Assert.Same(HttpClientPool.For(SynapseNetworkSettings.Default), HttpClientPool.For(new SynapseNetworkSettings()));
        Assert.DoesNotContain("p1", HttpClientPool.KeyOf(new SynapseNetworkSettings(proxy, new NetworkCredential("u", "p1"))));
    }

    [Fact]
    public void A_password_in_the_proxy_url_becomes_the_credential_and_leaves_every_property()
    {
        var settings = new SynapseNetworkSettings(new Uri("http://corp%5Cme:s%40cret@proxy.example:3128/"));
        Assert.Equal("http://proxy.example:3128/", settings.Proxy!.AbsoluteUri);
        Assert.True(settings.HasProxyCredential);
        Assert.Equal(@"corp\me", settings.RevealProxyCredential()!.UserName);
        Assert.Equal("s@cret", settings.RevealProxyCredential()!.Password);
        Assert.DoesNotContain("cret", settings.ToString());
    }

    [Theory]
    [InlineData("noProxy+proxy")]
    [InlineData("credential+defaultCredentials")]
    [InlineData("socks")]
    [InlineData("certificateWithoutKey")]
    public void Contradicting_or_unusable_settings_are_InvalidConnection(string what)
    {
        var credential = new NetworkCredential("u", "secret-never-shown");
        var settings = what switch
        {
            "noProxy+proxy" => new SynapseNetworkSettings(new Uri("http://proxy.example:3128/"), noProxy: true),
            "credential+defaultCredentials" => new SynapseNetworkSettings(proxyCredential: credential, proxyUseDefaultCredentials: true),
            "socks" => new SynapseNetworkSettings(new Uri("ftp://proxy.example:1080/"), credential),
            _ => new SynapseNetworkSettings(clientCertificate: System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(TestCertificates.CreateServerCertificate().RawData)),
        };
        var ex = Assert.Throws<SynapseClientException>(() => new SynapseUploadClient(Connection(fixture.Server.BaseUrl, settings)));
        Assert.Equal(SynapseErrorKind.InvalidConnection, ex.Kind);
        Assert.DoesNotContain("secret-never-shown", ex.Message);
    }

    [Fact]
    public async Task An_untrusted_certificate_is_CertificateRejected_with_its_reason_not_retried_and_nothing_is_sent()
    {
        await using var server = await HttpsServerAsync();
        var path = _scratch.File("untrusted.bin", 100_000);
        var client = new SynapseUploadClient(Connection(server.BaseUrl, SynapseNetworkSettings.Default), _scratch.Options());

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path, null, null));

        Assert.Equal(SynapseErrorKind.CertificateRejected, ex.Kind);
        Assert.False(ex.IsTransient);
        Assert.Contains("UntrustedRoot", ex.Message);
        Assert.Contains("-SkipCertificateCheck", ex.Message);
        Assert.Equal(1, server.Connections);           // MaxRetries is 3: a refused certificate is not retried
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task An_expired_certificate_names_its_expiry()
    {
        await using var server = await HttpsServerAsync(o => o.ExpiredCertificate = true);
        var ex = await ProbeAsync(server.BaseUrl, SynapseNetworkSettings.Default);
        Assert.Equal(SynapseErrorKind.CertificateRejected, ex.Kind);
        Assert.Contains("expired on", ex.Message);
        Assert.Contains("NotTimeValid", ex.Message);
    }

    [Fact]
    public async Task SkipCertificateCheck_gets_through_and_warns_once_per_connection()
    {
        await using var server = await HttpsServerAsync();
        var connection = new SynapseConnection(server.BaseUrl, "not-a-token", network: new SynapseNetworkSettings(skipCertificateCheck: true));
        var log = new RecordingLog();
        var client = new SynapseUploadClient(connection, _scratch.Options());
        for (var i = 0; i < 2; i++)
        {
            var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(_scratch.File($"s{i}.bin", 10), null, log));
            Assert.Equal(SynapseErrorKind.AuthenticationFailed, ex.Kind);
        }
        Assert.NotEmpty(server.Requests);
        Assert.Single(log.Warnings, w => w.Contains("not checked"));
        // Another connection with the same setting warns again: once per connection, not per process.
        var other = new SynapseConnection(server.BaseUrl, "not-a-token", network: new SynapseNetworkSettings(skipCertificateCheck: true));
        await Assert.ThrowsAsync<SynapseClientException>(() => new SynapseUploadClient(other, _scratch.Options()).UploadFileAsync(_scratch.File("s3.bin", 10), null, log));
        Assert.Equal(2, log.Warnings.Count(w => w.Contains("not checked")));
    }

    [Fact]
    public async Task A_required_client_certificate_is_refused_without_one_and_accepted_with_it()
    {
        await using var server = await HttpsServerAsync(o => o.RequireClientCertificate = true);
        var clientCertificate = server.ClientCertificate!;

        var without = await ProbeAsync(server.BaseUrl, new SynapseNetworkSettings(skipCertificateCheck: true));
#if ENGINE_NETSTANDARD
        // HttpClientHandler cannot tell that the server asked for a certificate; a TLS 1.3 refusal is a closed connection.
        Assert.Contains(without.Kind, new[] { SynapseErrorKind.CertificateRejected, SynapseErrorKind.ConnectionFailed });
#else
        Assert.Equal(SynapseErrorKind.CertificateRejected, without.Kind);
        Assert.False(without.IsTransient);
        Assert.Contains("-Certificate", without.Message);
#endif
        Assert.Empty(server.Requests);

        var with = await ProbeAsync(server.BaseUrl, new SynapseNetworkSettings(skipCertificateCheck: true, clientCertificate: clientCertificate));
        Assert.Equal(SynapseErrorKind.AuthenticationFailed, with.Kind);
        Assert.NotEmpty(server.Requests);
    }

    [Fact]
    public async Task Uploads_go_through_a_forwarding_proxy_that_asks_for_credentials()
    {
        await using var proxy = await ProxyAsync(fixture.Server);
        var baseUrl = new Uri($"http://synapse.test:{fixture.Server.BaseUrl.Port}/");
        var connection = Connection(baseUrl, new SynapseNetworkSettings(proxy.Url, new NetworkCredential("runbook", ProxyPassword)));

        await UploadAsync(connection, "proxied.bin", 200_000);

        Assert.Contains(proxy.Log, e => e.Method == "PUT" && e.Target == $"synapse.test:{baseUrl.Port}" && e.Path!.StartsWith("/chunked_upload/") && e.ForwardedTo is not null);
    }

    [Fact]
    public async Task A_tunnel_through_the_proxy_carries_TLS_end_to_end()
    {
        await using var server = await HttpsServerAsync();
        await using var proxy = await ProxyAsync(server);
        var baseUrl = new Uri($"https://synapse.test:{server.BaseUrl.Port}/");

        var untrusted = await ProbeAsync(baseUrl, new SynapseNetworkSettings(proxy.Url, new NetworkCredential("runbook", ProxyPassword)));
        Assert.Equal(SynapseErrorKind.CertificateRejected, untrusted.Kind);
        Assert.Contains("synapse.test", untrusted.Message);

        var skipped = await ProbeAsync(baseUrl, new SynapseNetworkSettings(proxy.Url, new NetworkCredential("runbook", ProxyPassword), skipCertificateCheck: true));
        Assert.Equal(SynapseErrorKind.AuthenticationFailed, skipped.Kind);
        Assert.Contains(proxy.Log, e => e.Method == "CONNECT" && e.Target == $"synapse.test:{baseUrl.Port}" && e.ForwardedTo is not null);
        Assert.NotEmpty(server.Requests);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("https")]
    public async Task A_wrong_proxy_password_is_ProxyAuthenticationRequired_not_retried_and_never_shown(string scheme)
    {
        await using var proxy = await ProxyAsync(fixture.Server);
        var baseUrl = new Uri($"{scheme}://synapse.test:{fixture.Server.BaseUrl.Port}/");
        var ex = await ProbeAsync(baseUrl, new SynapseNetworkSettings(proxy.Url, new NetworkCredential("runbook", "wrong-Pw-77")));

        Assert.Equal(SynapseErrorKind.ProxyAuthenticationRequired, ex.Kind);
        Assert.Equal(407, ex.StatusCode);
        Assert.False(ex.IsTransient);
        Assert.Contains("-ProxyCredential", ex.Message);
        for (Exception? e = ex; e is not null; e = e.InnerException) Assert.DoesNotContain("wrong-Pw-77", e.ToString());
        Assert.All(proxy.Log, e => Assert.Equal(407, e.Status));
        Assert.InRange(proxy.Log.Count, 1, 2);   // the handler may answer the first 407 with the credential once; no retries
    }

    [Fact]
    public async Task A_proxy_that_only_says_407_without_a_credential_is_ProxyAuthenticationRequired()
    {
        await using var proxy = await ProxyAsync(fixture.Server);
        var ex = await ProbeAsync(new Uri("https://synapse.test:1/"), new SynapseNetworkSettings(proxy.Url));
        Assert.Equal(SynapseErrorKind.ProxyAuthenticationRequired, ex.Kind);
        Assert.Contains("needs a credential", ex.Message);
        Assert.Single(proxy.Log);
    }

    [Fact]
    public async Task NoProxy_connects_directly()
    {
        // A proxy that refuses everything without its credential: with NoProxy it is never asked.
        await using var proxy = await ProxyAsync(fixture.Server);
        var direct = new SynapseNetworkSettings(noProxy: true);
        await UploadAsync(Connection(fixture.Server.BaseUrl, direct), "direct.bin");
        var proxied = await ProbeAsync(fixture.Server.BaseUrl, new SynapseNetworkSettings(proxy.Url));
        Assert.Equal(SynapseErrorKind.ProxyAuthenticationRequired, proxied.Kind);   // loopback is proxied when a proxy is set
        Assert.Single(proxy.Log);
    }
}
