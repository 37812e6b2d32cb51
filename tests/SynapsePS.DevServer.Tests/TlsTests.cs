using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using static SynapsePS.DevServer.Tests.RawRequests;

namespace SynapsePS.DevServer.Tests;

/// <summary>--https and --client-certificate required, with clients that trust only what the server wrote out.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "synapseps-tls-" + Guid.NewGuid().ToString("N"));

    public TlsTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>
    /// A handler that trusts exactly <paramref name="trusted"/> as its root, checks the host name as usual,
    /// and presents <paramref name="clientCertificate"/> when given.
    /// </summary>
    internal static HttpClientHandler Trusting(X509Certificate2 trusted, X509Certificate2? clientCertificate = null)
    {
        var handler = new HttpClientHandler
        {
            UseProxy = false,
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(trusted);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        if (clientCertificate is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(clientCertificate);
        }
        return handler;
    }

    [Fact]
    public async Task Https_serves_a_written_certificate_that_a_client_can_trust_by_name_and_address()
    {
        var pem = Path.Combine(_dir, "server.pem");
        await using var server = await ServerFixture.StartAsync(o => { o.Https = true; o.CertificateOut = pem; });
        using var written = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pem));
        using var http = new HttpClient(Trusting(written));

        var record = await CreateAsync(http, server.BaseUrl, Bytes(10), 10);

        Assert.Equal($"https://127.0.0.1:{server.BaseUrl.Port}/", server.BaseUrl.AbsoluteUri);
        Assert.StartsWith(server.BaseUrl.AbsoluteUri, record.GetProperty("url").GetString());
        Assert.Equal("https", UrlOf(record).Scheme);
        Assert.Equal($"127.0.0.1:{server.BaseUrl.Port}", server.Requests.Single().Host);
        Assert.Equal(server.Certificate!.Thumbprint, written.Thumbprint);
        Assert.False(written.HasPrivateKey);
        Assert.DoesNotContain("PRIVATE KEY", await File.ReadAllTextAsync(pem));
    }

    [Fact]
    public async Task The_server_certificate_names_the_test_hosts_and_is_valid_from_yesterday_for_days()
    {
        var pem = Path.Combine(_dir, "names.pem");
        await using var server = await ServerFixture.StartAsync(o => { o.Https = true; o.CertificateOut = pem; });
        using var written = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pem));

        var names = written.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal(new[] { "localhost", "synapse.test" }, names.EnumerateDnsNames().Order());
        Assert.Equal(new[] { "127.0.0.1", "127.0.0.2" }, names.EnumerateIPAddresses().Select(a => a.ToString()).Order());
        Assert.InRange(DateTime.UtcNow - written.NotBefore.ToUniversalTime(), TimeSpan.FromHours(12), TimeSpan.FromDays(2));
        Assert.InRange(written.NotAfter.ToUniversalTime() - DateTime.UtcNow, TimeSpan.FromDays(2), TimeSpan.FromDays(10));
    }

    [Fact]
    public async Task A_client_with_the_usual_trust_store_refuses_the_test_certificate()
    {
        await using var server = await ServerFixture.StartAsync(o => o.Https = true);
        using var http = new HttpClient(new HttpClientHandler { UseProxy = false });

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(server.BaseUrl, "_dev/health")));

        Assert.IsType<AuthenticationException>(ex.InnerException);
    }

    [Fact]
    public async Task Https_on_127_0_0_2_matches_the_certificates_address()
    {
        await using var server = await ServerFixture.StartAsync(o => { o.Https = true; o.BindAddress = IPAddress.Parse("127.0.0.2"); });
        using var http = new HttpClient(Trusting(server.Certificate!));

        using var answer = await http.GetAsync(new Uri(server.BaseUrl, "_dev/health"));

        Assert.Equal("https://127.0.0.2/", new UriBuilder(server.BaseUrl) { Port = -1 }.Uri.AbsoluteUri);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    [Fact]
    public async Task Mutual_tls_refuses_a_client_without_a_certificate_or_with_a_foreign_one_and_takes_the_written_pfx()
    {
        var pfx = Path.Combine(_dir, "client.pfx");
        await using var server = await ServerFixture.StartAsync(o => { o.Https = true; o.RequireClientCertificate = true; o.ClientPfxOut = pfx; });
        using var client = X509CertificateLoader.LoadPkcs12FromFile(pfx, null);
        using var foreign = SelfSignedClientCertificate();
        using var without = new HttpClient(Trusting(server.Certificate!));
        using var stranger = new HttpClient(Trusting(server.Certificate!, foreign));
        using var member = new HttpClient(Trusting(server.Certificate!, client));

        await Assert.ThrowsAsync<HttpRequestException>(() => without.GetAsync(new Uri(server.BaseUrl, "chunked_upload/")));
        await Assert.ThrowsAsync<HttpRequestException>(() => stranger.GetAsync(new Uri(server.BaseUrl, "chunked_upload/")));
        Assert.Empty(server.Requests);
        var (status, _) = await SendAsync(member, Get(new Uri(server.BaseUrl, "chunked_upload/")));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(client.HasPrivateKey);
        Assert.Equal("CN=synapseps-test-client", server.Requests.Single().ClientCertificate);
    }

    [Fact]
    public async Task The_client_pfx_holds_the_issuing_ca_and_can_carry_a_password()
    {
        var pfx = Path.Combine(_dir, "locked.pfx");
        await using var server = await ServerFixture.StartAsync(o =>
        {
            o.Https = true; o.RequireClientCertificate = true; o.ClientPfxOut = pfx; o.ClientPfxPassword = "s3cret";
        });

        Assert.ThrowsAny<CryptographicException>(() => X509CertificateLoader.LoadPkcs12CollectionFromFile(pfx, null));
        var bundle = X509CertificateLoader.LoadPkcs12CollectionFromFile(pfx, "s3cret");
        var client = bundle.Single(c => c.HasPrivateKey);
        var authority = bundle.Single(c => !c.HasPrivateKey);

        Assert.Equal("CN=synapseps-test-client", client.Subject);
        Assert.Equal(authority.Subject, client.Issuer);
        Assert.Contains(authority.Extensions.OfType<X509BasicConstraintsExtension>(), b => b.CertificateAuthority);
        using var http = new HttpClient(Trusting(server.Certificate!, client));
        using var answer = await http.GetAsync(new Uri(server.BaseUrl, "_dev/health"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    private static X509Certificate2 SelfSignedClientCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=synapseps-test-client", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }, false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
