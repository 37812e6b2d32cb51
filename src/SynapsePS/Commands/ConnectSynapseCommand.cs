using System;
using System.Management.Automation;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using SynapsePS.Connections;
using SynapsePS.Hosting;

namespace SynapsePS.Commands;

/// <summary>
/// Sets this session's default Synapse connection for the upload cmdlets: where, with which tokens, and through
/// which network (proxy, certificate trust, client certificate; named as Invoke-RestMethod names them).
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "Synapse")]
[OutputType(typeof(SynapseConnection))]
public sealed class ConnectSynapseCommand : PSCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public Uri BaseUrl { get; set; } = null!;

    /// <summary>Sent as 'Synapse-Access-Token: Token &lt;value&gt;'. A plain string is accepted too.</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [SecureStringTransformation]
    [ValidateNotNull]
    public SecureString AccessToken { get; set; } = null!;

    /// <summary>Sent as 'Synapse-Tenant: Token &lt;value&gt;'.</summary>
    [Parameter]
    public string? Tenant { get; set; }

    /// <summary>Sent as 'Authorization: Token &lt;value&gt;'.</summary>
    [Parameter]
    [SecureStringTransformation]
    public SecureString? Token { get; set; }

    /// <summary>Sent as 'SYNAPSE-Agent: Token &lt;value&gt;' (agent-initiated requests).</summary>
    [Parameter]
    [SecureStringTransformation]
    public SecureString? AgentToken { get; set; }

    /// <summary>Allows the tokens over plain http to a host that is not loopback (as Invoke-RestMethod's switch).</summary>
    [Parameter]
    public SwitchParameter AllowUnencryptedAuthentication { get; set; }

    /// <summary>The proxy every request goes through; without it the platform's proxy settings apply.</summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? Proxy { get; set; }

    [Parameter]
    [Credential]
    [ValidateNotNull]
    public PSCredential? ProxyCredential { get; set; }

    [Parameter]
    public SwitchParameter ProxyUseDefaultCredentials { get; set; }

    [Parameter]
    public SwitchParameter NoProxy { get; set; }

    /// <summary>Accept any server certificate: for test servers only; the first upload warns.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>The client certificate (with its private key) for mutual TLS.</summary>
    [Parameter]
    [ValidateNotNull]
    public X509Certificate2? Certificate { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        SynapseConnection connection;
        try
        {
            var network = new SynapseNetworkSettings(Proxy, ProxyCredential?.GetNetworkCredential(), ProxyUseDefaultCredentials,
                NoProxy, SkipCertificateCheck, Certificate);
            connection = ConnectionRules.Validate(new SynapseConnection(BaseUrl, SecureStringTransformationAttribute.Reveal(AccessToken) ?? "",
                Tenant, SecureStringTransformationAttribute.Reveal(Token), SecureStringTransformationAttribute.Reveal(AgentToken),
                AllowUnencryptedAuthentication.IsPresent, network));
        }
        catch (SynapseClientException ex)
        {
            ThrowTerminatingError(ErrorMap.ToRecord(ex, BaseUrl));
            return;
        }
        SessionConnection.Current = connection;
        WriteVerbose($"Uploads in this session now go to {connection.BaseUrl}.");
        if (PassThru) WriteObject(connection);
    }
}
