using System;
using System.IO;
using System.Management.Automation;
using System.Runtime.InteropServices;

namespace SynapsePS.Loading;

/// <summary>
/// Loads SynapsePS.Core and what it pulls in (Polly, ...) from the module's dependencies/ folder. On PowerShell 7
/// they go into their own AssemblyLoadContext, so another module's Polly (any version) never collides with ours;
/// on Windows PowerShell 5.1 an AssemblyResolve handler serves them from the same folder.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    internal const string EngineAssemblyName = "SynapsePS.Core";

    /// <summary>The public types: loaded beside the cmdlets so PowerShell can name them, never isolated.</summary>
    internal const string ModelAssemblyName = "SynapsePS.Model";

    /// <summary>For tests only: which engine build to load on PowerShell 7.</summary>
    internal const string TestEngineVariable = "SYNAPSEPS_TEST_ENGINE";

    public void OnImport()
    {
        var moduleDirectory = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!;
        var isCore = !RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal);
        // net8.0 build on PowerShell 7.4+ (in-box System.Text.Json, no polyfills); netstandard2.0 elsewhere.
        // The test suite sets SYNAPSEPS_TEST_ENGINE=netstandard2.0 to run the Windows PowerShell engine on PowerShell 7.
        var flavour = isCore && Environment.Version.Major >= 8 ? "net8.0" : "netstandard2.0";
        if (isCore && Environment.GetEnvironmentVariable(TestEngineVariable) == "netstandard2.0") flavour = "netstandard2.0";
        var dependencies = Path.Combine(Path.Combine(moduleDirectory, "dependencies"), flavour);

        if (isCore) IsolatedLoader.Register(moduleDirectory, dependencies);
        else FrameworkLoader.Register(moduleDirectory, dependencies);
    }
}
