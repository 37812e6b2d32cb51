using System;

namespace SynapsePS.Connections;

/// <summary>What makes a connection usable, and the connection runbooks get from the environment.</summary>
public static class ConnectionRules
{
    public const string BackendHostVariable = "SYNAPSE_BACKEND_HOST";
    public const string AccessTokenVariable = "SYNAPSE_ACCESS_TOKEN";

    /// <summary>Throws InvalidConnection when the connection cannot be used as given.</summary>
    public static SynapseConnection Validate(SynapseConnection connection)
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
        return connection;
    }

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
        return Validate(new SynapseConnection(url, token!));
    }
}
