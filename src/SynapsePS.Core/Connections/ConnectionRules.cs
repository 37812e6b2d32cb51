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
