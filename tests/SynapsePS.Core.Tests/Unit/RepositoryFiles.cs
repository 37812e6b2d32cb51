namespace SynapsePS.Core.Tests.Unit;

/// <summary>Files of the repository the tests read as text (sources, docs), found from the test's output folder.</summary>
internal static class RepositoryFiles
{
    public static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "build.ps1"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("No build.ps1 above " + AppContext.BaseDirectory);
    }

    public static string PathOf(params string[] parts) => Path.Combine([Root(), .. parts]);
}
