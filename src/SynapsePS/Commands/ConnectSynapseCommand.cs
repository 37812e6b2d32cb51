using System;
using System.Management.Automation;
using System.Security;
using SynapsePS.Connections;
using SynapsePS.Hosting;

namespace SynapsePS.Commands;

/// <summary>Sets this session's default Synapse connection for the upload cmdlets.</summary>
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

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        SynapseConnection connection;
        try
        {
            connection = ConnectionRules.Validate(new SynapseConnection(BaseUrl, SecureStringTransformationAttribute.Reveal(AccessToken) ?? "",
                Tenant, SecureStringTransformationAttribute.Reveal(Token), SecureStringTransformationAttribute.Reveal(AgentToken),
                AllowUnencryptedAuthentication.IsPresent));
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
