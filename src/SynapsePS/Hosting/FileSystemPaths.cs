using System.Collections.Generic;
using System.Management.Automation;
using Microsoft.PowerShell.Commands;

namespace SynapsePS.Hosting;

/// <summary>Resolves -Path (wildcards) and -LiteralPath the way the engine's own cmdlets do, FileSystem only.</summary>
internal static class FileSystemPaths
{
    /// <summary>Yields each resolved file-system path, or an ErrorRecord for a path that cannot be one.</summary>
    public static IEnumerable<(string? Path, ErrorRecord? Error)> Resolve(PSCmdlet cmdlet, string[] paths, bool literal)
    {
        foreach (var path in paths)
        {
            var resolved = new List<string>();
            ErrorRecord? error = null;
            try
            {
                ProviderInfo provider;
                if (literal)
                {
                    resolved.Add(cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _));
                }
                else
                {
                    resolved.AddRange(cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider));
                }
                if (provider.ImplementingType != typeof(FileSystemProvider))
                {
                    error = ErrorMap.ToRecord(SynapseErrorKind.UnsupportedProvider,
                        $"'{path}' is on the {provider.Name} provider; only file-system paths can be uploaded.", path);
                }
            }
            catch (ItemNotFoundException)
            {
                error = ErrorMap.ToRecord(SynapseErrorKind.PathNotFound, $"Cannot find path '{path}' because it does not exist.", path);
            }
            catch (ProviderNotFoundException ex)
            {
                error = ErrorMap.ToRecord(SynapseErrorKind.UnsupportedProvider, ex.Message, path);
            }
            catch (DriveNotFoundException ex)
            {
                error = ErrorMap.ToRecord(SynapseErrorKind.PathNotFound, ex.Message, path);
            }

            if (error is not null)
            {
                yield return (null, error);
                continue;
            }
            foreach (var p in resolved) yield return (p, null);
        }
    }
}
