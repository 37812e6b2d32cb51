using System.Text.RegularExpressions;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>
/// The engine's folders are layers, read from the sources: each folder's namespace follows the folder, and its
/// code names only folders of the layers below its own, so that the dependencies run one way.
/// </summary>
public sealed class LayeringTests
{
    // Top to bottom. Folders on one line are siblings: neither names the other.
    private static readonly string[][] s_layers =
    [
        ["Batch"],
        ["Upload"],
        ["Resume", "Protocol"],
        ["Resilience"],
        ["Http"],
        ["Connections", "Files", "Reporting"],
    ];

    private static readonly Regex s_reference = new(@"\bSynapsePS\.(\w+)", RegexOptions.Compiled);

    private static string EngineFolder() => RepositoryFiles.PathOf("src", "SynapsePS.Core");

    private static int LayerOf(string folder) => Array.FindIndex(s_layers, layer => layer.Contains(folder));

    private static IEnumerable<(string Folder, string File)> SourceFiles() =>
        from folder in s_layers.SelectMany(l => l)
        from file in Directory.EnumerateFiles(Path.Combine(EngineFolder(), folder), "*.cs", SearchOption.AllDirectories)
        select (folder, file);

    [Fact]
    public void Every_engine_folder_has_a_layer()
    {
        var folders = Directory.EnumerateDirectories(EngineFolder()).Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj")).ToArray();
        Assert.NotEmpty(folders);
        Assert.All(folders, folder => Assert.True(LayerOf(folder!) >= 0, $"src/SynapsePS.Core/{folder} is in no layer of this test"));
    }

    [Fact]
    public void Namespaces_follow_folders()
    {
        var wrong = SourceFiles()
            .Where(f => !File.ReadAllText(f.File).Contains($"namespace SynapsePS.{f.Folder};"))
            .Select(f => Path.GetRelativePath(EngineFolder(), f.File)).ToArray();
        Assert.Empty(wrong);
    }

    [Fact]
    public void A_folder_names_only_folders_below_it()
    {
        var found = 0;
        var upward = new List<string>();
        foreach (var (folder, file) in SourceFiles())
        {
            foreach (Match m in s_reference.Matches(File.ReadAllText(file)))
            {
                var named = m.Groups[1].Value;
                if (named == folder || LayerOf(named) < 0) continue;
                found++;
                if (LayerOf(named) <= LayerOf(folder))
                    upward.Add($"{Path.GetRelativePath(EngineFolder(), file)} names SynapsePS.{named}");
            }
        }
        Assert.True(found > 10, $"only {found} references between folders were found: the scan is not reading the sources");
        Assert.Empty(upward);
    }
}
