using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using SynapsePS.Connections;

namespace SynapsePS.Hosting;

/// <summary>
/// The default connection set by Connect-Synapse, one per runspace: parallel runspaces never see each other's
/// connection, and nothing is shared between them but the thread-safe connection pool.
/// </summary>
internal static class SessionConnection
{
    private static readonly ConditionalWeakTable<Runspace, Holder> s_byRunspace = new();

    public static SynapseConnection? Current
    {
        get
        {
            var runspace = Runspace.DefaultRunspace;
            return runspace is not null && s_byRunspace.TryGetValue(runspace, out var h) ? h.Connection : null;
        }
        set
        {
            var runspace = Runspace.DefaultRunspace;
            if (runspace is null) return;
            s_byRunspace.GetOrCreateValue(runspace).Connection = value;
        }
    }

    /// <summary>
    /// The connection a call uses: the one it was given, else this runspace's default, else SYNAPSE_BACKEND_HOST
    /// and SYNAPSE_ACCESS_TOKEN; ConnectionNotConfigured when there is none.
    /// </summary>
    public static SynapseConnection Resolve(SynapseConnection? given) =>
        given ?? Current ?? ConnectionRules.FromEnvironment()
        ?? throw new SynapseClientException(SynapseErrorKind.ConnectionNotConfigured,
            $"No Synapse connection: run Connect-Synapse, pass -Connection, or set {ConnectionRules.BackendHostVariable} and {ConnectionRules.AccessTokenVariable}.");

    private sealed class Holder
    {
        public SynapseConnection? Connection;
    }
}
