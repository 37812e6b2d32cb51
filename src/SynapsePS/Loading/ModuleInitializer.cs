using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace SynapsePS.Commands.Loading;

/// <summary>
/// Loads SynapsePS.Core and what it pulls in (Polly, ...) from the module's dependencies/ folder. On PowerShell 7
/// they go into their own AssemblyLoadContext, so another module's Polly (any version) never collides with ours;
/// on Windows PowerShell 5.1 an AssemblyResolve handler serves them from the same folder.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    internal const string EngineAssemblyName = "SynapsePS.Core";

    public void OnImport()
    {
        var moduleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
        var isCore = !RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);
        // net8.0 build on PowerShell 7.4+ (in-box System.Text.Json, no polyfills); netstandard2.0 elsewhere.
        var flavour = isCore && Environment.Version.Major >= 8 ? "net8.0" : "netstandard2.0";
        var dependencies = Path.Combine(Path.Combine(moduleDirectory, "dependencies"), flavour);

        if (isCore) IsolatedLoader.Register(dependencies);
        else FrameworkLoader.Register(dependencies);
    }
}

/// <summary>.NET Framework: serve our dependencies to the default context on request.</summary>
internal static class FrameworkLoader
{
    private static string? s_directory;

    public static void Register(string directory)
    {
        if (s_directory is not null) return;
        s_directory = directory;
        AppDomain.CurrentDomain.AssemblyResolve += (_, args) =>
        {
            var name = new AssemblyName(args.Name).Name;
            var path = Path.Combine(s_directory, name + ".dll");
            return File.Exists(path) ? Assembly.LoadFrom(path) : null;
        };
    }
}
