using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace SynapsePS.Loading;

/// <summary>
/// PowerShell 7: the default context asks us for SynapsePS.Core, which loads into a private context that then
/// resolves Polly and the rest from dependencies/ and leaves framework assemblies to the runtime. SynapsePS.Model
/// (the public types) loads into the default context, where PowerShell can resolve its type names; the private
/// context defers to it, so both sides see one set of those types.
/// Kept in its own class so Windows PowerShell never JIT-compiles a reference to AssemblyLoadContext.
/// It answers only SynapsePS.Core and SynapsePS.Model in the default context: other modules' requests are left alone.
/// </summary>
internal static class IsolatedLoader
{
    private static DependencyLoadContext? s_context;

    /// <summary>Not inlined: Windows PowerShell must never JIT-compile a reference to AssemblyLoadContext.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Register(string moduleDirectory, string dependencies)
    {
        if (s_context is not null) return;
        s_context = new DependencyLoadContext(dependencies);
        var model = Path.Combine(moduleDirectory, ModuleInitializer.ModelAssemblyName + ".dll");
        AssemblyLoadContext.Default.Resolving += (context, name) => name.Name switch
        {
            ModuleInitializer.EngineAssemblyName => s_context.LoadFromAssemblyName(name),
            ModuleInitializer.ModelAssemblyName when File.Exists(model) => context.LoadFromAssemblyPath(model),
            _ => null,
        };
    }

    private sealed class DependencyLoadContext : AssemblyLoadContext
    {
        private readonly string _directory;

        public DependencyLoadContext(string directory) => _directory = directory;

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name == ModuleInitializer.ModelAssemblyName) return null;   // shared, from the default context
            var path = Path.Combine(_directory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
