using System;
using System.Net;
using System.Runtime.CompilerServices;

namespace SynapsePS.Connections;

/// <summary>What makes a connection usable, and the connection runbooks get from the environment.</summary>
public static class ConnectionRules
{
    public const string BackendHostVariable = "SYNAPSE_BACKEND_HOST";
    public const string AccessTokenVariable = "SYNAPSE_ACCESS_TOKEN";
    public const string AllowUnencryptedVariable = "SYNAPSE_ALLOW_UNENCRYPTED_AUTHENTICATION";

    /// <summary>The switch of Connect-Synapse (and Invoke-RestMethod) that allows tokens over plain http.</summary>
    public const string AllowUnencryptedSwitch = "-AllowUnencryptedAuthentication";

    // Connections already warned about their skipped certificate check; an entry dies with its connection.
    private static readonly ConditionalWeakTable<SynapseConnection, object> s_warned = new();

    /// <summary>Throws InvalidConnection when the connection cannot be used as given.</summary>
    public static SynapseConnection Validate(SynapseConnection connection) =>
        Validate(connection, $"pass {AllowUnencryptedSwitch} to Connect-Synapse (allowUnencryptedAuthentication: true for a SynapseConnection built in code)");

    /// <summary>
    /// Throws UrlNotUnderBaseUrl unless <paramref name="url"/> is under the connection's base URL: the same scheme,
    /// host and port, and a path below the base's. Only there may a request carry the connection's tokens.
    /// </summary>
    public static Uri RequireUnderBaseUrl(SynapseConnection connection, Uri url, string what = "The URL")
    {
        if (connection is null) throw new ArgumentNullException(nameof(connection));
        if (url is null) throw new ArgumentNullException(nameof(url));
        var root = connection.BaseUrl;
        var under = url.IsAbsoluteUri
                    && string.Equals(url.Scheme, root.Scheme, StringComparison.OrdinalIgnoreCase)
                    && string.Equals(url.Host, root.Host, StringComparison.OrdinalIgnoreCase)
                    && url.Port == root.Port
                    && url.UserInfo.Length == 0
                    && url.AbsolutePath.StartsWith(root.AbsolutePath, StringComparison.Ordinal);
        if (!under)
        {
            throw new SynapseClientException(SynapseErrorKind.UrlNotUnderBaseUrl,
                $"{what} '{url}' is not under the base URL {root.AbsoluteUri}; the access token is only sent there, so no request was made to it.");
        }
        return url;
    }

    /// <summary>The connection from SYNAPSE_BACKEND_HOST and SYNAPSE_ACCESS_TOKEN, or null when they are not both set.</summary>
    public static SynapseConnection? FromEnvironment()
    {
        var host = Environment.GetEnvironmentVariable(BackendHostVariable);
        var token = Environment.GetEnvironmentVariable(AccessTokenVariable);
        if (string.IsNullOrWhiteSpace(host) || string.IsNullOrWhiteSpace(token)) return null;
        if (!Uri.TryCreate(host, UriKind.Absolute, out var url))
        {
            throw new SynapseClientException(SynapseErrorKind.InvalidConnection,
                $"{BackendHostVariable} ('{host}') is not an absolute URL.");
        }
        var allow = Environment.GetEnvironmentVariable(AllowUnencryptedVariable)?.Trim();
        var allowUnencrypted = allow == "1" || string.Equals(allow, "true", StringComparison.OrdinalIgnoreCase);
        return Validate(new SynapseConnection(url, token!, allowUnencryptedAuthentication: allowUnencrypted),
            $"set {AllowUnencryptedVariable}=1 beside {BackendHostVariable}");
    }

    /// <summary>Whether the host is this machine: localhost, 127.0.0.0/8 or ::1.</summary>
    public static bool IsLoopback(Uri url)
    {
        if (url is null) throw new ArgumentNullException(nameof(url));
        var host = url.DnsSafeHost.TrimEnd('.');
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        if (!IPAddress.TryParse(host, out var address)) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return IPAddress.IsLoopback(address);
    }

    private static SynapseConnection Validate(SynapseConnection connection, string allowHow)
    {
        if (connection is null) throw new ArgumentNullException(nameof(connection));
        var url = connection.BaseUrl;
        if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new SynapseClientException(SynapseErrorKind.InvalidConnection,
                $"The base URL '{url}' is not an absolute http or https URL.");
        }
        if (string.IsNullOrWhiteSpace(connection.RevealAccessToken()))
        {
            throw new SynapseClientException(SynapseErrorKind.InvalidConnection, "An access token is required.");
        }
        // Tokens over plain http can be read by anyone on the path; only this machine's own traffic is exempt.
        if (url.Scheme == Uri.UriSchemeHttp && !connection.AllowUnencryptedAuthentication && !IsLoopback(url))
        {
            throw new SynapseClientException(SynapseErrorKind.InvalidConnection,
                $"The base URL '{url}' is plain http to '{url.Host}', which would send the access token unencrypted. "
                + $"Use https, or {allowHow} if the network is trusted.");
        }
        ValidateNetwork(connection.Network);
        return connection;
    }

    /// <summary>
    /// Warns once per connection, at its first upload, that the server's certificate goes unchecked: the
    /// setting is meant for test servers, so it must not go unnoticed in a runbook's log.
    /// </summary>
    public static void WarnOnFirstUse(SynapseConnection connection, IUploadLog? log)
    {
        if (!connection.Network.SkipCertificateCheck || log is null) return;
        var first = false;
        s_warned.GetValue(connection, _ => { first = true; return new object(); });
        if (first)
        {
            log.Warning($"The TLS certificate of {connection.BaseUrl.Host} is not checked (-SkipCertificateCheck): " +
                        "anyone between this machine and the server can read and change the uploads. Use it for test servers only.");
        }
    }

    // Messages never quote the proxy URL or the credential: either may hold a secret.
    private static void ValidateNetwork(SynapseNetworkSettings network)
    {
        if (network.Proxy is { } proxy && (!proxy.IsAbsoluteUri || (proxy.Scheme != Uri.UriSchemeHttp && proxy.Scheme != Uri.UriSchemeHttps)))
        {
            throw new SynapseClientException(SynapseErrorKind.InvalidConnection, "The proxy must be an absolute http or https URL, such as http://proxy.example.com:3128/.");
        }
        if (network.NoProxy && (network.Proxy is not null || network.HasProxyCredential || network.ProxyUseDefaultCredentials))
        {
            throw new SynapseClientException(SynapseErrorKind.InvalidConnection, "-NoProxy cannot be combined with -Proxy, -ProxyCredential or -ProxyUseDefaultCredentials.");
        }
        if (network.HasProxyCredential && network.ProxyUseDefaultCredentials)
        {
            throw new SynapseClientException(SynapseErrorKind.InvalidConnection, "-ProxyCredential and -ProxyUseDefaultCredentials exclude each other.");
        }
        if (network.RevealClientCertificate() is { } certificate && !certificate.HasPrivateKey)
        {
            throw new SynapseClientException(SynapseErrorKind.InvalidConnection,
                $"The client certificate {certificate.Thumbprint} has no private key, so it cannot prove anything; load it from a .pfx or the certificate store with its key.");
        }
    }
}
