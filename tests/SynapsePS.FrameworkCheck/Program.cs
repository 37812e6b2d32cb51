using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Loading;

namespace SynapsePS.FrameworkCheck;

/// <summary>
/// Runs the netstandard2.0 engine on a .NET Framework-profile runtime (Mono in CI) as Windows PowerShell 5.1 loads
/// it: SynapsePS.Core and everything it pulls in are absent from this program's folder and come through the
/// module's own FrameworkLoader from the built module. Prints one line per check and "N passed, N failed" last.
///
/// What Mono proves and what it does not: Mono's HttpClientHandler is built on Mono's own HttpWebRequest and
/// ServicePointManager, as .NET Framework's is on its own; so this shows that the engine loads and runs through our
/// resolver on the .NET Framework API surface (netstandard facades, AssemblyResolve, AppDomain), that its
/// ServicePoint settings apply per origin and leave the process-wide ones alone, and that a reply whose body stalls
/// is cut where the response stream does not watch its token. It does not prove .NET Framework's own HttpWebRequest:
/// its Windows proxy (WinINet) and authentication, SChannel TLS, its exact handling of cancellation, and FIPS policy
/// differ, and only Windows PowerShell 5.1 on Windows can show those.
/// </summary>
internal static class Program
{
    private static readonly System.Diagnostics.Stopwatch s_clock = System.Diagnostics.Stopwatch.StartNew();
    private static int s_passed;
    private static int s_failed;

    private static int Main(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine("usage: SynapsePS.FrameworkCheck.exe MODULE_DIR BASE_URL TOKEN SCRATCH_DIR");
            return 2;
        }
        var module = Path.GetFullPath(args[0]);
        s_dependencies = Path.Combine(Path.Combine(module, "dependencies"), "netstandard2.0");
        var here = Path.GetDirectoryName(typeof(Program).Assembly.Location)!;
        Check("no assembly of the module sits beside the check (each must come through the resolver)",
            !Directory.GetFiles(s_dependencies, "*.dll").Any(d => File.Exists(Path.Combine(here, Path.GetFileName(d)))));
        FrameworkLoader.Register(module, s_dependencies);
        try
        {
            CheckResolver();
            Engine.RunAsync(new Uri(args[1]), args[2], args[3], Check).GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            Check("the check ran to its end", false, ex.ToString());
        }
        Console.WriteLine($"{s_passed} passed, {s_failed} failed");
        return s_failed == 0 && s_passed > 0 ? 0 : 1;
    }

    internal static void Check(string what, bool ok, string? detail = null)
    {
        if (ok) s_passed++; else s_failed++;
        Console.WriteLine($"{(ok ? "PASS" : "FAIL")} [{s_clock.Elapsed.TotalSeconds:0} s] {what}{(ok || detail is null ? "" : ": " + detail)}");
    }

    /// <summary>Requests of another module, before the engine loads anything: only those we can honour are answered.</summary>
    private static void CheckResolver()
    {
        var ours = AssemblyName.GetAssemblyName(Path.Combine(DependencyFolder(), "System.Text.Json.dll")).Version!;
        Check("a higher version of an assembly we ship is not answered by us",
            Resolve($"System.Text.Json, Version={ours.Major + 1}.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51") is null);
        Check("a name we do not ship is not answered by us",
            Resolve("Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aed2") is null);
        Check("a name we ship under another key is not answered by us",
            Resolve($"System.Text.Json, Version={ours}, Culture=neutral, PublicKeyToken=0123456789abcdef") is null);
        Check("a name that is no assembly name gets null, not an exception", Resolve("=,=,=") is null);
        var lower = Resolve($"System.Text.Json, Version={ours.Major - 1}.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51");
        Check("a lower version of one we ship is answered with ours", lower?.GetName().Version == ours, lower?.FullName ?? "null");

        // The same through the runtime, as another module's code would ask: the higher version is not found.
        var higher = new AssemblyName($"System.Text.Json, Version={ours.Major + 1}.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51");
        string? loaded = null;
        try { loaded = Assembly.Load(higher).FullName; }
        catch (FileNotFoundException) { }
        catch (FileLoadException) { }
        Check("Assembly.Load of a higher version than ours finds nothing", loaded is null, loaded);
    }

    private static Assembly? Resolve(string name) => FrameworkLoader.Resolve(null, new ResolveEventArgs(name));

    private static string DependencyFolder() => s_dependencies;

    private static string s_dependencies = "";
}

/// <summary>Counts one check and prints its line.</summary>
internal delegate void Checker(string what, bool ok, string? detail = null);
