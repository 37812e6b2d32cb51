using System;

namespace SynapsePS;

/// <summary>
/// Where to upload and with which credentials. The tokens are deliberately not public properties, so that no
/// display, log or serialization of this object can show them.
/// </summary>
public sealed class SynapseConnection
{
    public const string BackendHostVariable = "SYNAPSE_BACKEND_HOST";
    public const string AccessTokenVariable = "SYNAPSE_ACCESS_TOKEN";

    public SynapseConnection(Uri baseUrl, string accessToken, string? tenant = null, string? authorizationToken = null)
    {
        if (baseUrl is null) throw new ArgumentNullException(nameof(baseUrl));
        if (!baseUrl.IsAbsoluteUri || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
        {
            throw new SynapseClientException(SynapseErrorKind.InvalidConnection,
                $"The base URL '{baseUrl}' is not an absolute http or https URL.");
        }
        if (string.IsNullOrWhiteSpace(accessToken))
        {
            throw new SynapseClientException(SynapseErrorKind.InvalidConnection, "An access token is required.");
        }

        // The protocol appends 'chunked_upload/' to the base, so the base must end in '/'.
        BaseUrl = baseUrl.AbsoluteUri.EndsWith("/", StringComparison.Ordinal) ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        AccessToken = accessToken;
        Tenant = string.IsNullOrEmpty(tenant) ? null : tenant;
        AuthorizationToken = string.IsNullOrEmpty(authorizationToken) ? null : authorizationToken;
    }

    /// <summary>The backend's base URL, always ending in '/'.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The tenant sent as <c>Synapse-Tenant: Token &lt;tenant&gt;</c>, if any.</summary>
    public string? Tenant { get; }

    /// <summary>Whether an <c>Authorization: Token</c> header is sent.</summary>
    public bool HasAuthorizationToken => AuthorizationToken is not null;

    internal string AccessToken { get; }

    internal string? AuthorizationToken { get; }

    internal Uri ChunkedUploadUrl => new(BaseUrl, "chunked_upload/");

    /// <summary>The connection runbooks get from SYNAPSE_BACKEND_HOST and SYNAPSE_ACCESS_TOKEN, or null.</summary>
    public static SynapseConnection? FromEnvironment()
    {
        var host = Environment.GetEnvironmentVariable(BackendHostVariable);
        var token = Environment.GetEnvironmentVariable(AccessTokenVariable);
        if (string.IsNullOrWhiteSpace(host) || string.IsNullOrWhiteSpace(token))
        {
            return null;
        }
        if (!Uri.TryCreate(host, UriKind.Absolute, out var url))
        {
            throw new SynapseClientException(SynapseErrorKind.InvalidConnection,
                $"{BackendHostVariable} ('{host}') is not an absolute URL.");
        }
        return new SynapseConnection(url, token!);
    }

    public override string ToString() => BaseUrl.AbsoluteUri;
}
