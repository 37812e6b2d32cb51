using System;
using System.IO;

namespace SynapsePS.Resume;

/// <summary>
/// The one rule for where this machine keeps what it remembers about uploads: the folder given, else
/// <c>SYNAPSEPS_STATE_DIR</c>, else a per-user default. The resume journals sit at its top, the ledger of completed
/// uploads in <c>completed/</c> below it.
/// </summary>
internal static class StateFolder
{
    public const string Variable = "SYNAPSEPS_STATE_DIR";

    /// <summary>The ledger's folder inside the state folder.</summary>
    public const string LedgerFolderName = "completed";

    /// <summary>The state folder: <paramref name="directory"/>, else <c>SYNAPSEPS_STATE_DIR</c>, else the per-user default.</summary>
    public static string Resolve(string? directory)
    {
        var dir = directory;
        if (string.IsNullOrEmpty(dir)) dir = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(dir))
        {
            var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
            if (string.IsNullOrEmpty(local)) local = Path.GetTempPath();
            dir = Path.Combine(local, "SynapsePS", "uploads");
        }
        return Path.GetFullPath(dir!);
    }

    /// <summary>The journals' folder: the state folder itself.</summary>
    public static string JournalFolder(string? stateDirectory) => Resolve(stateDirectory);

    /// <summary>The ledger's folder: <c>completed</c> inside the state folder.</summary>
    public static string LedgerFolder(string? stateDirectory) => Path.Combine(Resolve(stateDirectory), LedgerFolderName);
}
