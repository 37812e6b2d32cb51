using System.IO;
using System.Reflection;
using System.Runtime.Loader;

namespace SynapsePS.Commands.Loading;

/// <summary>
/// PowerShell 7: the default context asks us only for SynapsePS.Core; that loads into a private context, which
/// then resolves Polly and the rest from our folder and leaves framework assemblies to the runtime.
/// Kept in its own class so Windows PowerShell never JIT-compiles a reference to AssemblyLoadContext.
/// </summary>
internal static class IsolatedLoader
{
    private static DependencyLoadContext? s_context;

    public static void Register(string directory)
    {
        if (s_context is not null) return;
        s_context = new DependencyLoadContext(directory);
        AssemblyLoadContext.Default.Resolving += (_, name) =>
            name.Name == ModuleInitializer.EngineAssemblyName ? s_context.LoadFromAssemblyName(name) : null;
    }

    private sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private readonly string _directory;

        public DependencyLoadContext(string directory) => _directory = directory;

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var path = Path.Combine(_directory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
