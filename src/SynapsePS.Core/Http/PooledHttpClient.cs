using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SynapsePS.Http;

/// <summary>
/// The HttpClient of one network setting, and what it learned about refusals: why it rejected a server's
/// certificate (the validation knows; the exception that follows does not), to turn a failed handshake or a
/// proxy's 407 into an error that says what to do.
/// </summary>
internal sealed class PooledHttpClient
{
    internal const int MaxConnectionsPerServer = UploadOptions.MaxConcurrentUploads;

    // Host -> why its certificate was last rejected; cleared when it is next accepted.
    private readonly ConcurrentDictionary<string, string> _rejections = new(StringComparer.OrdinalIgnoreCase);

    // Hosts that asked for a client certificate in a handshake (known on net8.0 only; the callback knows no port),
    // and the servers (host:port) that ever answered.
    private readonly ConcurrentDictionary<string, bool> _askedForCertificate = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _answered = new(StringComparer.OrdinalIgnoreCase);

    public PooledHttpClient(SynapseNetworkSettings settings)
    {
        Settings = settings;
        Http = new HttpClient(new AnswerTracker(CreateHandler(), _answered), disposeHandler: true)
        {
            // Requests are bounded by the per-request inactivity watchdog, not by a total.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        // Python requests never sends 'Expect: 100-continue'; neither do we (.NET Framework would by default).
        Http.DefaultRequestHeaders.ExpectContinue = false;
        Http.DefaultRequestHeaders.UserAgent.ParseAdd($"SynapsePS/{typeof(PooledHttpClient).Assembly.GetName().Version?.ToString(3)}");
    }

    public HttpClient Http { get; }

    public SynapseNetworkSettings Settings { get; }

    /// <summary>
    /// The error for a failure that retrying cannot mend (a refused handshake, a proxy's 407), or null. A server that
    /// refuses our client certificate after the handshake is a rule of FailureClassifier, from the facts below.
    /// </summary>
    public SynapseClientException? RefusalFor(Exception ex, Uri url)
    {
        if (TransportFailures.IsProxyAuthenticationRefusal(ex)) return ProxyRefusal(url, ex);
        if (!TransportFailures.IsTlsRefusal(ex)) return null;
        var host = url.Host;
        if (_rejections.TryGetValue(host, out var reason))
        {
            return new SynapseClientException(SynapseErrorKind.CertificateRejected,
                $"The TLS certificate of {host} was rejected: {reason}. Install the certificate authority that issued it " +
                "among the operating system's trusted roots (a private or TLS-inspection CA), or, for a test server only, " +
                "pass -SkipCertificateCheck to Connect-Synapse.", detail: reason, inner: ex);
        }
        var root = ex;
        while (root.InnerException is not null) root = root.InnerException;
        var hint = Settings.ClientCertificateThumbprint is { } thumbprint
            ? $"The server may not accept the client certificate {thumbprint}: check that it has not expired and that the server trusts its issuer."
            : "The server may require a client certificate: pass one with Connect-Synapse -Certificate.";
        return new SynapseClientException(SynapseErrorKind.CertificateRejected,
            $"The TLS handshake with {host} failed: {root.Message.TrimEnd('.')}. {hint}", inner: ex);
    }

    /// <summary>Whether the server at <paramref name="url"/> asked for a client certificate in a handshake (known on net8.0 only).</summary>
    public bool AskedForCertificate(Uri url) => url.Scheme == Uri.UriSchemeHttps && _askedForCertificate.ContainsKey(url.Host);

    /// <summary>Whether the server at <paramref name="url"/> (host and port) ever answered a request of this pool.</summary>
    public bool HasAnswered(Uri url) => _answered.ContainsKey(url.Authority);

    /// <summary>The error for a server that closed the connection instead of accepting our client certificate (FailureClassifier.RefusesClientCertificate).</summary>
    public SynapseClientException CertificateHangUp(Uri url, Exception inner) =>
        new(SynapseErrorKind.CertificateRejected, Settings.ClientCertificateThumbprint is { } offered
            ? $"{url.Host} asked for a client certificate and closed the connection without answering: it did not accept the client certificate {offered}. Check that it has not expired and that the server trusts its issuer."
            : $"{url.Host} asked for a client certificate and closed the connection without answering. Pass one with Connect-Synapse -Certificate.",
            inner: inner);

    /// <summary>A 407 from the proxy, as a response (plain http) or as a refused tunnel (https).</summary>
    public SynapseClientException ProxyRefusal(Uri url, Exception? inner)
    {
        // Only an explicit proxy is named: it never carries userinfo. An environment proxy might.
        var proxy = Settings.Proxy is { } p ? "The proxy " + p.GetLeftPart(UriPartial.Authority) : "The proxy " + PlatformProxySource;
        var why = Settings.HasProxyCredential || Settings.ProxyUseDefaultCredentials
            ? "it did not accept the proxy credential" : "it needs a credential";
        return new SynapseClientException(SynapseErrorKind.ProxyAuthenticationRequired,
            $"{proxy} answered 407 Proxy Authentication Required for {url.GetLeftPart(UriPartial.Authority)}: {why}. " +
            "Pass the right one with Connect-Synapse -ProxyCredential (or -ProxyUseDefaultCredentials for Windows authentication), " +
            "or name the proxy with Connect-Synapse -Proxy.",
            statusCode: 407, inner: inner);
    }

    /// <summary>Where the platform's proxy came from, as the platform that sends the request reads it.</summary>
    private static string PlatformProxySource =>
#if NET8_0_OR_GREATER
        "(from the system settings, or HTTPS_PROXY/HTTP_PROXY)";
#else
        ServicePointTuner.Applies
            ? "(Windows PowerShell 5.1 takes it from the Internet Options of the account it runs as, not from 'netsh winhttp' or HTTPS_PROXY; a task running as SYSTEM usually has none)"
            : "(from the system settings, or HTTPS_PROXY/HTTP_PROXY)";
#endif

    private bool Validate(string host, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (Settings.SkipCertificateCheck) return true;
        if (errors == SslPolicyErrors.None)
        {
            _rejections.TryRemove(host, out _);
            return true;
        }
        _rejections[host] = CertificateCheck.Describe(errors, certificate, chain, host);
        return false;
    }

    /// <summary>Notes every server that answered at all, so a closed connection is never taken for a refusal there.</summary>
    private sealed class AnswerTracker : DelegatingHandler
    {
        private readonly ConcurrentDictionary<string, bool> _answered;

        public AnswerTracker(HttpMessageHandler inner, ConcurrentDictionary<string, bool> answered) : base(inner) => _answered = answered;

        protected override async System.Threading.Tasks.Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, System.Threading.CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (request.RequestUri is { } uri) _answered[uri.Authority] = true;
            return response;
        }
    }

    private HttpMessageHandler CreateHandler()
    {
        var credential = Settings.RevealProxyCredential();
        ICredentials? proxyCredentials = credential ?? (Settings.ProxyUseDefaultCredentials ? CredentialCache.DefaultCredentials : null);
        var certificate = Settings.RevealClientCertificate();
#if NET8_0_OR_GREATER
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,          // a redirected PUT would drop its body; report it instead
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = MaxConnectionsPerServer,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10), // pick up DNS changes in overnight runs
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (sender, cert, chain, errors) =>
            Validate((sender as SslStream)?.TargetHostName ?? "", cert, chain, errors);
        if (certificate is not null) handler.SslOptions.ClientCertificates = new X509CertificateCollection { certificate };
        handler.SslOptions.LocalCertificateSelectionCallback = (sender, _, _, remote, _) =>
        {
            // Called once before the handshake, and again (with the server's certificate) when the server asks for ours.
            if (remote is not null && sender is SslStream tls) _askedForCertificate[tls.TargetHostName] = true;
            // Offer ours whatever issuers the server lists: a mismatch is the server's to refuse.
            return certificate!;
        };
#else
        var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        try { handler.MaxConnectionsPerServer = MaxConnectionsPerServer; }
        catch (PlatformNotSupportedException) { /* ServicePointTuner sets it on our origin's service point */ }
        handler.ServerCertificateCustomValidationCallback = (request, cert, chain, errors) =>
            Validate(request.RequestUri?.Host ?? "", cert, chain, errors);
        if (certificate is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(certificate);
        }
#endif
        if (Settings.NoProxy)
        {
            handler.UseProxy = false;
        }
        else if (Settings.Proxy is { } proxy)
        {
            handler.UseProxy = true;
            handler.Proxy = new WebProxy(proxy) { BypassProxyOnLocal = false, Credentials = proxyCredentials };
        }
        else if (proxyCredentials is not null)
        {
            // The platform's proxy, answered with these credentials when it asks.
            handler.DefaultProxyCredentials = proxyCredentials;
        }
#if !NET8_0_OR_GREATER
        // HttpWebRequest underneath (.NET Framework, Mono): its settings live on service points, not on the handler.
        if (ServicePointTuner.Applies)
        {
            ServicePointTuner.AllowTls12();
            return new ServicePointTuner(handler, handler.UseProxy ? handler.Proxy ?? WebRequest.DefaultWebProxy : null);
        }
#endif
        // On .NET, SocketsHttpHandler (also under HttpClientHandler) already opens every connection with NoDelay.
        return handler;
    }
}
