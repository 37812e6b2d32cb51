using System;

namespace SynapsePS;

/// <summary>
/// Where to upload and with which credentials. The tokens are deliberately not properties, so that no display,
/// log, serialization or job boundary can carry them; the engine reads them through the Reveal methods when it
/// builds a request to the base URL's origin.
/// </summary>
public sealed class SynapseConnection
{
    private readonly string _accessToken;
    private readonly string? _authorizationToken;
    private readonly string? _agentToken;

    /// <param name="baseUrl">The backend's base URL; 'chunked_upload/' is resolved against it.</param>
    /// <param name="accessToken">Sent as <c>Synapse-Access-Token: Token &lt;value&gt;</c>.</param>
    /// <param name="tenant">Sent as <c>Synapse-Tenant: Token &lt;value&gt;</c>.</param>
    /// <param name="authorizationToken">Sent as <c>Authorization: Token &lt;value&gt;</c> (the legacy header).</param>
    /// <param name="agentToken">Sent as <c>SYNAPSE-Agent: Token &lt;value&gt;</c> (agent-initiated requests).</param>
    /// <param name="allowUnencryptedAuthentication">Send the tokens over plain http to a host that is not loopback.</param>
    /// <param name="network">Proxy and TLS settings; null for the platform's defaults.</param>
    public SynapseConnection(Uri baseUrl, string accessToken, string? tenant = null, string? authorizationToken = null,
        string? agentToken = null, bool allowUnencryptedAuthentication = false, SynapseNetworkSettings? network = null)
    {
        if (baseUrl is null) throw new ArgumentNullException(nameof(baseUrl));
        if (accessToken is null) throw new ArgumentNullException(nameof(accessToken));
        // The protocol resolves 'chunked_upload/' against the base, so a base without its final '/' gets one.
        BaseUrl = !baseUrl.IsAbsoluteUri || baseUrl.AbsoluteUri.EndsWith("/", StringComparison.Ordinal)
            ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        _accessToken = accessToken;
        Tenant = string.IsNullOrEmpty(tenant) ? null : tenant;
        _authorizationToken = string.IsNullOrEmpty(authorizationToken) ? null : authorizationToken;
        _agentToken = string.IsNullOrEmpty(agentToken) ? null : agentToken;
        AllowUnencryptedAuthentication = allowUnencryptedAuthentication;
        Network = network ?? SynapseNetworkSettings.Default;
    }

    /// <summary>The backend's base URL, ending in '/'.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The tenant sent as <c>Synapse-Tenant</c>, if any.</summary>
    public string? Tenant { get; }

    /// <summary>Whether an <c>Authorization: Token</c> header is sent.</summary>
    public bool HasAuthorizationToken => _authorizationToken is not null;

    /// <summary>Whether a <c>SYNAPSE-Agent: Token</c> header is sent.</summary>
    public bool HasAgentToken => _agentToken is not null;

    /// <summary>Whether the tokens may travel over plain http to a host that is not loopback.</summary>
    public bool AllowUnencryptedAuthentication { get; }

    /// <summary>How requests reach the backend: proxy, certificate trust, client certificate.</summary>
    public SynapseNetworkSettings Network { get; }

    public string RevealAccessToken() => _accessToken;

    public string? RevealAuthorizationToken() => _authorizationToken;

    public string? RevealAgentToken() => _agentToken;

    public override string ToString() => BaseUrl.ToString();
}
