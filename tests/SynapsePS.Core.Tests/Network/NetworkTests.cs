using System.Net;
using SynapsePS.Http;

namespace SynapsePS.Core.Tests.Network;

/// <summary>
/// Proxies and TLS against real loopback endpoints: a TLS front (self-signed, optionally demanding a client
/// certificate) before the dev server, a forwarding proxy with Basic authentication, and a proxy that only says 407.
/// Proxied requests name synapse.test, which only the test proxy resolves.
/// </summary>
public sealed class NetworkTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IDisposable
{
    private const string ProxyPassword = "proxy-pass-Zq81!";
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

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
            _ => new SynapseNetworkSettings(clientCertificate: System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(TestCertificates.Client().RawData)),
        };
        var ex = Assert.Throws<SynapseClientException>(() => new SynapseUploadClient(Connection(fixture.Server.BaseUrl, settings)));
        Assert.Equal(SynapseErrorKind.InvalidConnection, ex.Kind);
        Assert.DoesNotContain("secret-never-shown", ex.Message);
    }

    [Fact]
    public async Task An_untrusted_certificate_is_CertificateRejected_with_its_reason_not_retried_and_nothing_is_sent()
    {
        using var front = new TlsFront(TestCertificates.Server(), fixture.Server.BaseUrl);
        fixture.Server.ResetLog();
        var path = _scratch.File("untrusted.bin", 100_000);
        var client = new SynapseUploadClient(Connection(front.BaseUrl, SynapseNetworkSettings.Default), _scratch.Options());

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(path, null, null));

        Assert.Equal(SynapseErrorKind.CertificateRejected, ex.Kind);
        Assert.False(ex.IsTransient);
        Assert.Contains("UntrustedRoot", ex.Message);
        Assert.Contains("-SkipCertificateCheck", ex.Message);
        Assert.Equal(1, front.Handshakes);             // MaxRetries is 3: a refused certificate is not retried
        Assert.Equal(0, front.RelayedBytes);
        Assert.Empty(fixture.Server.Requests);
    }

    [Fact]
    public async Task An_expired_certificate_names_its_expiry()
    {
        var expired = TestCertificates.Server(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-2));
        using var front = new TlsFront(expired, fixture.Server.BaseUrl);
        var ex = await ProbeAsync(front.BaseUrl, SynapseNetworkSettings.Default);
        Assert.Equal(SynapseErrorKind.CertificateRejected, ex.Kind);
        Assert.Contains("expired on", ex.Message);
        Assert.Contains("NotTimeValid", ex.Message);
    }

    [Fact]
    public async Task SkipCertificateCheck_gets_through_and_warns_once_per_connection()
    {
        using var front = new TlsFront(TestCertificates.Server(), fixture.Server.BaseUrl);
        var connection = new SynapseConnection(front.BaseUrl, "not-a-token", network: new SynapseNetworkSettings(skipCertificateCheck: true));
        var log = new RecordingLog();
        var client = new SynapseUploadClient(connection, _scratch.Options());
        for (var i = 0; i < 2; i++)
        {
            var ex = await Assert.ThrowsAsync<SynapseClientException>(() => client.UploadFileAsync(_scratch.File($"s{i}.bin", 10), null, log));
            Assert.Equal(SynapseErrorKind.AuthenticationFailed, ex.Kind);
        }
        Assert.True(front.RelayedBytes > 0);
        Assert.Single(log.Warnings, w => w.Contains("not checked"));
        // Another connection with the same setting warns again: once per connection, not per process.
        var other = new SynapseConnection(front.BaseUrl, "not-a-token", network: new SynapseNetworkSettings(skipCertificateCheck: true));
        await Assert.ThrowsAsync<SynapseClientException>(() => new SynapseUploadClient(other, _scratch.Options()).UploadFileAsync(_scratch.File("s3.bin", 10), null, log));
        Assert.Equal(2, log.Warnings.Count(w => w.Contains("not checked")));
    }

    [Fact]
    public async Task A_required_client_certificate_is_refused_without_one_and_accepted_with_it()
    {
        var clientCertificate = TestCertificates.Client();
        using var front = new TlsFront(TestCertificates.Server(), fixture.Server.BaseUrl, requiredClient: clientCertificate);

        var without = await ProbeAsync(front.BaseUrl, new SynapseNetworkSettings(skipCertificateCheck: true));
#if ENGINE_NETSTANDARD
        // HttpClientHandler cannot tell that the server asked for a certificate; a TLS 1.3 refusal is a closed connection.
        Assert.Contains(without.Kind, new[] { SynapseErrorKind.CertificateRejected, SynapseErrorKind.ConnectionFailed });
#else
        Assert.Equal(SynapseErrorKind.CertificateRejected, without.Kind);
        Assert.False(without.IsTransient);
        Assert.Contains("-Certificate", without.Message);
#endif
        Assert.Equal(0, front.RelayedBytes);

        var with = await ProbeAsync(front.BaseUrl, new SynapseNetworkSettings(skipCertificateCheck: true, clientCertificate: clientCertificate));
        Assert.Equal(SynapseErrorKind.AuthenticationFailed, with.Kind);
        Assert.True(front.RelayedBytes > 0);
    }

    [Fact]
    public async Task Uploads_go_through_a_forwarding_proxy_that_asks_for_credentials()
    {
        using var proxy = new TestProxy("runbook", ProxyPassword).Map("synapse.test", fixture.Server.BaseUrl.Port);
        var baseUrl = new Uri($"http://synapse.test:{fixture.Server.BaseUrl.Port}/");
        var connection = Connection(baseUrl, new SynapseNetworkSettings(proxy.Url, new NetworkCredential("runbook", ProxyPassword)));

        await UploadAsync(connection, "proxied.bin", 200_000);

        Assert.Contains(proxy.Log, l => l.StartsWith($"PUT http://synapse.test:{baseUrl.Port}/chunked_upload/") && l.EndsWith("forwarded"));
    }

    [Fact]
    public async Task A_tunnel_through_the_proxy_carries_TLS_end_to_end()
    {
        using var front = new TlsFront(TestCertificates.Server(), fixture.Server.BaseUrl);
        using var proxy = new TestProxy("runbook", ProxyPassword).Map("synapse.test", front.Port);
        var baseUrl = new Uri($"https://synapse.test:{front.Port}/");

        var untrusted = await ProbeAsync(baseUrl, new SynapseNetworkSettings(proxy.Url, new NetworkCredential("runbook", ProxyPassword)));
        Assert.Equal(SynapseErrorKind.CertificateRejected, untrusted.Kind);
        Assert.Contains("synapse.test", untrusted.Message);

        var skipped = await ProbeAsync(baseUrl, new SynapseNetworkSettings(proxy.Url, new NetworkCredential("runbook", ProxyPassword), skipCertificateCheck: true));
        Assert.Equal(SynapseErrorKind.AuthenticationFailed, skipped.Kind);
        Assert.Contains(proxy.Log, l => l == $"CONNECT synapse.test:{front.Port} forwarded");
        Assert.True(front.RelayedBytes > 0);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("https")]
    public async Task A_wrong_proxy_password_is_ProxyAuthenticationRequired_not_retried_and_never_shown(string scheme)
    {
        using var proxy = new TestProxy("runbook", ProxyPassword).Map("synapse.test", fixture.Server.BaseUrl.Port);
        var baseUrl = new Uri($"{scheme}://synapse.test:{fixture.Server.BaseUrl.Port}/");
        var ex = await ProbeAsync(baseUrl, new SynapseNetworkSettings(proxy.Url, new NetworkCredential("runbook", "wrong-Pw-77")));

        Assert.Equal(SynapseErrorKind.ProxyAuthenticationRequired, ex.Kind);
        Assert.Equal(407, ex.StatusCode);
        Assert.False(ex.IsTransient);
        Assert.Contains("-ProxyCredential", ex.Message);
        for (Exception? e = ex; e is not null; e = e.InnerException) Assert.DoesNotContain("wrong-Pw-77", e.ToString());
        Assert.All(proxy.Log, l => Assert.EndsWith("407", l));
        Assert.InRange(proxy.Log.Count, 1, 2);   // the handler may answer the first 407 with the credential once; no retries
    }

    [Fact]
    public async Task A_proxy_that_only_says_407_without_a_credential_is_ProxyAuthenticationRequired()
    {
        using var proxy = new FixedAnswerServer(407, "{}");
        var ex = await ProbeAsync(new Uri("https://synapse.test:1/"), new SynapseNetworkSettings(proxy.BaseUrl));
        Assert.Equal(SynapseErrorKind.ProxyAuthenticationRequired, ex.Kind);
        Assert.Contains("needs a credential", ex.Message);
        Assert.Equal(1, proxy.RequestCount);
    }

    [Fact]
    public async Task NoProxy_connects_directly()
    {
        // A proxy that would refuse everything: with NoProxy it is never asked.
        using var proxy = new FixedAnswerServer(407, "{}");
        var direct = new SynapseNetworkSettings(noProxy: true);
        await UploadAsync(Connection(fixture.Server.BaseUrl, direct), "direct.bin");
        var proxied = await ProbeAsync(fixture.Server.BaseUrl, new SynapseNetworkSettings(proxy.BaseUrl));
        Assert.Equal(SynapseErrorKind.ProxyAuthenticationRequired, proxied.Kind);   // loopback is proxied when a proxy is set
        Assert.Equal(1, proxy.RequestCount);
    }
}
