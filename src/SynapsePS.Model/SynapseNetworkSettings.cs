using System;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace SynapsePS;

/// <summary>
/// How requests reach the backend: the proxy, the trust of the server's certificate and the client certificate.
/// The defaults are the platform's (the system proxy on Windows, HTTPS_PROXY/HTTP_PROXY/NO_PROXY elsewhere, the
/// operating system's trusted roots). The proxy credential and the client certificate are deliberately not
/// properties, so that no display, log or serialization can carry them; the engine reads them through the Reveal
/// methods when it builds its connection pool.
/// </summary>
public sealed class SynapseNetworkSettings
{
    private readonly NetworkCredential? _proxyCredential;
    private readonly X509Certificate2? _clientCertificate;

    /// <param name="proxy">The proxy every request goes through. A user name and password in it
    /// (http://user:password@proxy:3128/) become the proxy credential when none is given, and are removed from <see cref="Proxy"/>.</param>
    /// <param name="proxyCredential">The credential for a proxy that asks for one (407).</param>
    /// <param name="proxyUseDefaultCredentials">Answer the proxy with the current user's credentials (Windows integrated authentication).</param>
    /// <param name="noProxy">Connect directly, whatever the system or environment says.</param>
    /// <param name="skipCertificateCheck">Accept any server certificate (a test server only).</param>
    /// <param name="clientCertificate">The certificate, with its private key, offered for mutual TLS.</param>
    public SynapseNetworkSettings(Uri? proxy = null, NetworkCredential? proxyCredential = null, bool proxyUseDefaultCredentials = false,
        bool noProxy = false, bool skipCertificateCheck = false, X509Certificate2? clientCertificate = null)
    {
        if (proxy is not null && proxy.IsAbsoluteUri && proxy.UserInfo.Length > 0)
        {
            if (proxyCredential is null)
            {
                var parts = proxy.UserInfo.Split(new[] { ':' }, 2);
                proxyCredential = new NetworkCredential(Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
            }
            proxy = new UriBuilder(proxy) { UserName = "", Password = "" }.Uri;
        }
        Proxy = proxy;
        _proxyCredential = proxyCredential;
        ProxyUseDefaultCredentials = proxyUseDefaultCredentials;
        NoProxy = noProxy;
        SkipCertificateCheck = skipCertificateCheck;
        _clientCertificate = clientCertificate;
    }

    /// <summary>The platform's defaults: what a connection without network settings uses.</summary>
    public static SynapseNetworkSettings Default { get; } = new();

    /// <summary>The explicit proxy (never with a user name or password), or null for the platform's choice.</summary>
    public Uri? Proxy { get; }

    /// <summary>Whether a proxy credential is set.</summary>
    public bool HasProxyCredential => _proxyCredential is not null;

    public bool ProxyUseDefaultCredentials { get; }

    /// <summary>Whether every proxy is bypassed.</summary>
    public bool NoProxy { get; }

    /// <summary>Whether the server's certificate is accepted unchecked.</summary>
    public bool SkipCertificateCheck { get; }

    /// <summary>The client certificate's thumbprint (it names the certificate; the key stays private), or null.</summary>
    public string? ClientCertificateThumbprint => _clientCertificate?.Thumbprint;

    public NetworkCredential? RevealProxyCredential() => _proxyCredential;

    public X509Certificate2? RevealClientCertificate() => _clientCertificate;

    public override string ToString()
    {
        var proxy = NoProxy ? "no proxy" : Proxy is null ? "system proxy" : "proxy " + Proxy;
        return proxy + (SkipCertificateCheck ? ", certificate check skipped" : "")
               + (ClientCertificateThumbprint is { } t ? ", client certificate " + t : "");
    }
}
