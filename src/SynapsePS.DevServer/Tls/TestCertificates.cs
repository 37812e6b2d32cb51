using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SynapsePS.DevServer.Tls;

/// <summary>
/// The certificates of a TLS test run, made fresh at start and never stored anywhere but where asked: the
/// server's self-signed certificate, and a CA that issues the client certificate the tests present.
/// ECDSA P-256 keys: quick to make, and every TLS stack the module runs on accepts them. The one certificate
/// factory of the tests: the engine's network tests get their certificates from a server started with --https.
/// </summary>
public static class TestCertificates
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    /// <summary>Valid from yesterday (clock skew) for a few days: long enough for any test run.</summary>
    private static (DateTimeOffset From, DateTimeOffset To) Validity()
    {
        var now = DateTimeOffset.UtcNow;
        return (now.AddDays(-1), now.AddDays(7));
    }

    /// <param name="expired">Valid from 30 days ago until 2 days ago instead.</param>
    public static X509Certificate2 CreateServerCertificate(bool expired = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=SynapsePS dev server", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName("synapse.test");
        names.AddIpAddress(IPAddress.Parse("127.0.0.1"));
        names.AddIpAddress(IPAddress.Parse("127.0.0.2"));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(ServerAuth) }, false));
        var (from, to) = expired ? (DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-2)) : Validity();
        using var certificate = request.CreateSelfSigned(from, to);
        return Persisted(certificate);
    }

    public static X509Certificate2 CreateCertificateAuthority()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=SynapsePS test client CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var (from, to) = Validity();
        using var certificate = request.CreateSelfSigned(from, to);
        return Persisted(certificate);
    }

    public static X509Certificate2 IssueClientCertificate(X509Certificate2 authority, string subject = "CN=synapseps-test-client")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(ClientAuth) }, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;   // a positive serial number
        // The CA's own validity, which an issued certificate may not exceed.
        using var issued = request.Create(authority, authority.NotBefore, authority.NotAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return Persisted(withKey);
    }

    /// <summary>Whether <paramref name="certificate"/> chains to <paramref name="authority"/> for client authentication.</summary>
    public static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2 authority)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuth));
        return chain.Build(certificate) && chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(authority.RawDataMemory.Span);
    }

    /// <summary>The client certificate and its key, plus the CA's certificate, as a PKCS#12 file.</summary>
    public static void WritePfx(string path, X509Certificate2 client, X509Certificate2 authority, string? password)
    {
        using var authorityPublic = X509CertificateLoader.LoadCertificate(authority.RawData);
        var bundle = new X509Certificate2Collection { client, authorityPublic };
        WriteFile(path, bundle.Export(X509ContentType.Pkcs12, password)!);
    }

    public static void WritePem(string path, X509Certificate2 certificate) =>
        WriteFile(path, System.Text.Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n"));

    private static void WriteFile(string path, byte[] content)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        File.WriteAllBytes(path, content);
    }

    /// <summary>
    /// A certificate whose key TLS can use everywhere: an in-memory key made by CreateSelfSigned is ephemeral,
    /// which Windows' TLS stack refuses; a round trip through PKCS#12 gives it a usable key.
    /// </summary>
    private static X509Certificate2 Persisted(X509Certificate2 certificate) =>
        X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
}
