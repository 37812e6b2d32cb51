using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace SynapsePS.Loading;

/// <summary>
/// .NET Framework (Windows PowerShell 5.1): serves our assemblies to the one AppDomain on request. The handler is
/// AppDomain-wide, shared with every other module in the process (Az.Accounts preloads its own System.Memory,
/// System.Text.Json, ...), so it answers only the names we ship, only for a version up to ours, and never throws:
/// a request for a higher version is left to whoever can answer it, as if we were not loaded.
/// Kept free of System.Management.Automation: the framework-profile check in the tests compiles this very file.
/// </summary>
internal static class FrameworkLoader
{
    private static Dictionary<string, Shipped>? s_shipped;

    /// <summary>
    /// Indexes what <paramref name="moduleDirectory"/> and <paramref name="dependencies"/> hold and starts answering.
    /// Not inlined: its caller must not be JIT-compiled with a reference to what this loads.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Register(string moduleDirectory, string dependencies)
    {
        if (s_shipped is not null) return;
        var shipped = new Dictionary<string, Shipped>(StringComparer.OrdinalIgnoreCase);
        foreach (var directory in new[] { dependencies, moduleDirectory })
        {
            if (!Directory.Exists(directory)) continue;
            foreach (var path in Directory.GetFiles(directory, "*.dll"))
            {
                AssemblyName name;
                try { name = AssemblyName.GetAssemblyName(path); }
                catch (Exception ex) when (ex is BadImageFormatException or IOException or UnauthorizedAccessException) { continue; }
                // The dependencies come first: a name found in both is served from there.
                if (name.Name is { } simple && !shipped.ContainsKey(simple)) shipped[simple] = new Shipped(path, name);
            }
        }
        s_shipped = shipped;
        AppDomain.CurrentDomain.AssemblyResolve += Resolve;
    }

    /// <summary>The AssemblyResolve handler: our assembly for a request we can honour, otherwise null.</summary>
    internal static Assembly? Resolve(object? sender, ResolveEventArgs args)
    {
        try
        {
            var shipped = s_shipped;
            if (shipped is null || args?.Name is not { } requestedName) return null;
            var requested = new AssemblyName(requestedName);
            if (requested.Name is null || !shipped.TryGetValue(requested.Name, out var ours)) return null;
            if (requested.Version is { } asked && asked > ours.Version) return null;
            if (!SameKey(requested.GetPublicKeyToken(), ours.PublicKeyToken)) return null;
            return Assembly.LoadFrom(ours.Path);
        }
        catch (Exception)
        {
            // Whoever asked gets "not found" from the runtime, never an exception from another module's handler.
            return null;
        }
    }

    /// <summary>A request that names no key takes any; one that names a key takes only that key.</summary>
    private static bool SameKey(byte[]? requested, byte[]? ours)
    {
        if (requested is null || requested.Length == 0) return true;
        if (ours is null || ours.Length != requested.Length) return false;
        for (var i = 0; i < ours.Length; i++)
            if (ours[i] != requested[i]) return false;
        return true;
    }

    private sealed class Shipped
    {
        public Shipped(string path, AssemblyName name)
        {
            Path = path;
            Version = name.Version ?? new Version(0, 0, 0, 0);
            PublicKeyToken = name.GetPublicKeyToken();
        }

        public string Path { get; }

        public Version Version { get; }

        public byte[]? PublicKeyToken { get; }
    }
}
