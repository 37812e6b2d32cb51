using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace SynapsePS.DevServer.Tls;

/// <summary>
/// What --https needs at start: the server's certificate (written out with --certificate-out) and, for
/// --client-certificate required, a CA whose client certificates alone pass (one written with --client-ca-out).
/// </summary>
internal sealed class TlsSetup
{
    private TlsSetup(HttpsConnectionAdapterOptions https, X509Certificate2 publicCertificate, X509Certificate2? clientCertificate)
    {
        Https = https;
        PublicCertificate = publicCertificate;
        ClientCertificate = clientCertificate;
    }

    public HttpsConnectionAdapterOptions Https { get; }
    public X509Certificate2 PublicCertificate { get; }
    /// <summary>A client certificate (with its key) that passes, for a client in the same process; null without --client-certificate required.</summary>
    public X509Certificate2? ClientCertificate { get; }

    public static TlsSetup Create(DevServerOptions options)
    {
        var certificate = TestCertificates.CreateServerCertificate(options.ExpiredCertificate);
        if (options.CertificateOut is { } pem) TestCertificates.WritePem(pem, certificate);
        var https = new HttpsConnectionAdapterOptions { ServerCertificate = certificate };

        X509Certificate2? client = null;
        if (options.RequireClientCertificate)
        {
            var authority = TestCertificates.CreateCertificateAuthority();
            client = TestCertificates.IssueClientCertificate(authority);
            if (options.ClientPfxOut is { } pfx) TestCertificates.WritePfx(pfx, client, authority, options.ClientPfxPassword);
            // A client without a certificate, or with one from anywhere else, fails the handshake.
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (presented, _, _) => TestCertificates.IsIssuedBy(presented, authority);
        }
        return new TlsSetup(https, X509CertificateLoader.LoadCertificate(certificate.RawData), client);
    }
}
