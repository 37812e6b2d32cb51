using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;

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

    private sealed class Holder
    {
        public SynapseConnection? Connection;
    }
}
