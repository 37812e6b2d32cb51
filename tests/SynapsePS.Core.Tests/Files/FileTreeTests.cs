using System.IO.Enumeration;
using SynapsePS.Files;

namespace SynapsePS.Core.Tests.Files;

/// <summary>The folder walk behind -Recurse, on real files: what it yields, what it passes by, what it reports.</summary>
public sealed class FileTreeTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private string Root => _scratch.Root;

    [Fact]
    public void Nested_folders_yield_every_file_with_the_length_and_time_a_stat_gives()
    {
        var expected = new[] { "top.bin", "a/one.bin", "a/b/two.bin", "a/b/c/three.bin", "d/four.bin" }.Select(Make).ToList();
        Directory.CreateDirectory(Path.Combine(Root, "empty/inside"));

        var found = Walk(Root);

        Assert.Equal(Sorted(expected), Sorted(found.Select(f => f.FullName)));
        foreach (var file in found)
        {
            var info = new FileInfo(file.FullName);
            Assert.Equal(info.Length, file.Length);
            Assert.Equal(info.LastWriteTimeUtc, file.LastWriteTimeUtc);
            Assert.Equal(DateTimeKind.Utc, file.LastWriteTimeUtc.Kind);
        }
    }

    [Fact]
    public void A_flat_folder_yields_each_of_its_files_once()
    {
        var expected = Enumerable.Range(0, 2000).Select(i => Make($"flat/f{i:D5}.bin")).ToList();

        var found = Walk(Path.Combine(Root, "flat")).Select(f => f.FullName).ToList();

        Assert.Equal(2000, found.Count);
        Assert.Equal(Sorted(expected), Sorted(found));
    }

    [Fact]
    public void Hidden_files_and_folders_are_passed_by_unless_forced()
    {
        var shown = Make("shown.bin");
        var hiddenFile = MakeHidden("", ".secret.bin");
        var hiddenFolder = Path.Combine(Root, ".cache");
        Directory.CreateDirectory(hiddenFolder);
        Hide(hiddenFolder);
        var inHiddenFolder = Make(".cache/inside.bin");

        Assert.Equal(new[] { shown }, Walk(Root).Select(f => f.FullName));
        Assert.Equal(Sorted(new[] { shown, hiddenFile, inHiddenFolder }),
            Sorted(Walk(Root, new FileTreeFilter(null, null, force: true)).Select(f => f.FullName)));
    }

    [Fact]
    public void A_hidden_folder_or_file_named_as_a_root_is_taken_as_given()
    {
        var inHidden = Make(".cache/inside.bin");
        Hide(Path.Combine(Root, ".cache"));
        var hiddenFile = MakeHidden("", ".secret.bin");

        var found = new FileTree(new[] { Root, Path.Combine(Root, ".cache"), hiddenFile }, FileTreeFilter.Default).Walk().Select(f => f.FullName);

        Assert.Equal(Sorted(new[] { inHidden, hiddenFile }), Sorted(found));
    }

    [Fact]
    public void Include_and_exclude_test_file_names_and_exclude_wins()
    {
        var jpg = Make("a/cat.jpg");
        var png = Make("a/b/dog.png");
        Make("a/notes.txt");
        Make("a/b/draft-dog.png");
        // Folder names are not tested: a folder called x.txt is still walked.
        var inOddFolder = Make("x.txt/deep.jpg");

        var filter = new FileTreeFilter(Any("*.jpg", "*.png"), Any("draft-*"), force: false);
        var found = Walk(Root, filter).Select(f => f.FullName);

        Assert.Equal(Sorted(new[] { jpg, png, inOddFolder }), Sorted(found));
    }

    [Fact]
    public void A_link_to_a_folder_is_not_followed_even_when_it_loops()
    {
        if (OperatingSystem.IsWindows()) return; // creating links there needs a privilege tests do not assume
        var inside = Make("real/file.bin");
        var outside = Path.Combine(Path.GetTempPath(), "synapseps-outside-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(outside);
        try
        {
            File.WriteAllText(Path.Combine(outside, "elsewhere.bin"), "x");
            Directory.CreateSymbolicLink(Path.Combine(Root, "real/loop"), Root);
            Directory.CreateSymbolicLink(Path.Combine(Root, "away"), outside);

            var found = Walk(Root, new FileTreeFilter(null, null, force: true)).Select(f => f.FullName);

            Assert.Equal(new[] { inside }, found);
        }
        finally { Directory.Delete(outside, recursive: true); }
    }

    [Fact]
    public void A_file_that_is_a_link_is_yielded_by_its_own_path_with_the_targets_length()
    {
        if (OperatingSystem.IsWindows()) return;
        var target = _scratch.File("target.bin", 3000);
        Directory.CreateDirectory(Path.Combine(Root, "links"));
        var link = Path.Combine(Root, "links", "link.bin");
        File.CreateSymbolicLink(link, target);

        var found = Assert.Single(Walk(Path.Combine(Root, "links")));

        Assert.Equal(link, found.FullName);
        Assert.Equal(3000, found.Length);
#if !ENGINE_NETSTANDARD
        Assert.Equal(new FileInfo(target).LastWriteTimeUtc, found.LastWriteTimeUtc);
#endif
        // Named directly, the same figures.
        var named = Assert.Single(new FileTree(new[] { link }, FileTreeFilter.Default).Walk());
        Assert.Equal((link, 3000L), (named.FullName, named.Length));
    }

    [Fact]
    public void A_folder_that_cannot_be_read_is_reported_by_name_and_the_walk_goes_on()
    {
        var first = Make("x/first.bin");
        var second = Make("y/second.bin");
        var third = Make("z.bin");
        var errors = new List<(string Path, Exception Error)>();
        var found = new List<string>();
        string? removed = null;

        // The folder is removed after the walk has read its parent's entries (a three-entry folder comes in one
        // directory read) and before it opens the folder itself: opening it then really fails, whoever runs the
        // test (permissions do not stop root).
        foreach (var file in new FileTree(new[] { Root }, FileTreeFilter.Default).Walk((path, error) => errors.Add((path, error))))
        {
            found.Add(file.FullName);
            if (removed is null && file.FullName != third)
            {
                removed = Path.Combine(Root, file.FullName == first ? "y" : "x");
                Directory.Delete(removed, recursive: true);
            }
        }

        Assert.NotNull(removed);
        var error = Assert.Single(errors);
        Assert.Equal(removed, error.Path);
        Assert.IsType<DirectoryNotFoundException>(error.Error);
        Assert.Contains(third, found);
        Assert.Equal(2, found.Count);
        Assert.Contains(found, f => f == first || f == second);
    }

    [Fact]
    public void A_folder_whose_path_is_longer_than_the_system_allows_is_reported_by_its_whole_name()
    {
        if (OperatingSystem.IsWindows()) return;
        var kept = Make("kept.bin");
        // Built one level at a time (cd, then mkdir by a short name): opening the last levels by full path fails.
        var segment = new string('d', 250);
        using (var mkdir = System.Diagnostics.Process.Start("bash", new[] { "-c", $"cd '{Root}' && for i in $(seq 1 17); do mkdir {segment} && cd {segment}; done" }))
            mkdir.WaitForExit();
        var errors = new List<string>();

        var found = new FileTree(new[] { Root }, FileTreeFilter.Default).Walk((path, _) => errors.Add(path)).ToList();

        Assert.Equal(kept, Assert.Single(found).FullName);
        var error = Assert.Single(errors);
        Assert.StartsWith(Path.Combine(Root, segment), error, StringComparison.Ordinal);
        Assert.True(error.Length > 4096, $"reported as '{error}'");
        using (var rm = System.Diagnostics.Process.Start("rm", new[] { "-rf", Path.Combine(Root, segment) })) rm.WaitForExit();
    }

    [Fact]
    public void A_root_that_does_not_exist_is_reported_and_the_other_roots_are_walked()
    {
        var kept = Make("kept/file.bin");
        var missing = Path.Combine(Root, "missing");
        var errors = new List<string>();

        var found = new FileTree(new[] { missing, Path.Combine(Root, "kept") }, FileTreeFilter.Default).Walk((path, _) => errors.Add(path)).ToList();

        Assert.Equal(new[] { missing }, errors);
        Assert.Equal(kept, Assert.Single(found).FullName);
    }

    [Fact]
    public void Names_with_brackets_and_spaces_are_plain_names()
    {
        var odd = new[] { "[a] b/c [1].bin", "[a] b/ spaced  name .bin", "x[y]z/*star?.bin" }
            .Where(name => !OperatingSystem.IsWindows() || !name.Contains('*'))
            .Select(Make).ToList();

        var exactName = new FileTreeFilter(name => name == "c [1].bin", null, force: false);

        Assert.Equal(Sorted(odd), Sorted(Walk(Root).Select(f => f.FullName)));
        Assert.Equal(odd[0], Assert.Single(Walk(Root, exactName)).FullName);
        Assert.Equal(odd[0], Assert.Single(Walk(Path.Combine(Root, "[a] b"), exactName)).FullName);
    }

    [Fact]
    public void Overlapping_roots_yield_each_file_once()
    {
        var top = Make("a/top.bin");
        var deep = Make("a/sub/deep.bin");
        var other = Make("b/other.bin");
        var roots = new[]
        {
            Path.Combine(Root, "a", "sub"), Path.Combine(Root, "a"), Path.Combine(Root, "a") + Path.DirectorySeparatorChar,
            deep, top, Path.Combine(Root, "b", ".", "other.bin"), Path.Combine(Root, "a", "sub", "..", "sub"), Path.Combine(Root, "b"),
        };

        var tree = new FileTree(roots, FileTreeFilter.Default);
        var found = tree.Walk().Select(f => f.FullName).ToList();

        Assert.Equal(Sorted(new[] { top, deep, other }), Sorted(found));
        Assert.Equal(new[] { Path.Combine(Root, "a"), Path.Combine(Root, "b") }, tree.Folders);
        Assert.Empty(tree.Files);
    }

    [Fact]
    public void A_root_below_another_that_its_walk_does_not_enter_is_walked_on_its_own()
    {
        var hidden = Make(".private/kept.bin");
        Hide(Path.Combine(Root, ".private"));
        var hiddenFile = MakeHidden("", ".named.bin");

        var tree = new FileTree(new[] { Root, Path.Combine(Root, ".private"), hiddenFile }, FileTreeFilter.Default);

        Assert.Equal(Sorted(new[] { hidden, hiddenFile }), Sorted(tree.Walk().Select(f => f.FullName)));
        // With force the root's own walk gets there, so the inner roots go.
        var forced = new FileTree(new[] { Root, Path.Combine(Root, ".private"), hiddenFile }, new FileTreeFilter(null, null, force: true));
        Assert.Equal(new[] { Root }, forced.Folders);
        Assert.Empty(forced.Files);
    }

    [Fact]
    public void A_root_that_is_a_link_to_a_folder_is_walked_and_not_twice_with_its_target()
    {
        if (OperatingSystem.IsWindows()) return;
        var inside = Make("data/sub/f.bin");
        var link = Path.Combine(Root, "shortcut");
        Directory.CreateSymbolicLink(link, Path.Combine(Root, "data"));

        Assert.Equal(Path.Combine(link, "sub", "f.bin"), Assert.Single(Walk(link)).FullName);
#if !ENGINE_NETSTANDARD
        // Resolving links needs the .NET 8 link APIs; the netstandard2.0 engine compares the paths as given.
        var found = new FileTree(new[] { Path.Combine(Root, "data"), link, Path.Combine(link, "sub") }, FileTreeFilter.Default).Walk();
        Assert.Equal(inside, Assert.Single(found).FullName);
#endif
    }

    [Fact]
    public void A_named_file_answers_to_the_filter_too()
    {
        var jpg = Make("cat.jpg");
        var txt = Make("notes.txt");

        var found = new FileTree(new[] { jpg, txt }, new FileTreeFilter(Any("*.jpg"), null, force: false)).Walk();

        Assert.Equal(jpg, Assert.Single(found).FullName);
    }

    [Fact]
    public async Task The_count_totals_what_the_walk_yields()
    {
        for (var i = 0; i < 300; i++) _scratch.File(Path.Combine(Dir($"n{i % 7}/m{i % 3}"), $"f{i}.bin"), 100 + i);
        MakeHidden("n1", ".h.bin");
        Make("n2/skip.txt");
        var tree = new FileTree(new[] { Root, Path.Combine(Root, "n1") }, new FileTreeFilter(Any("*.bin"), null, force: false));

        var count = FileTreeCount.Start(tree);
        var total = await count.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        var walked = tree.Walk().ToList();

        Assert.Equal(300, total.Files);
        Assert.Equal(walked.Count, total.Files);
        Assert.Equal(walked.Sum(f => f.Length), total.Bytes);
        Assert.Equal(Enumerable.Range(0, 300).Sum(i => 100L + i), total.Bytes);
        Assert.Equal(total.Files, count.Files);
        Assert.Same(total, count.TotalIfKnown);
    }

    [Fact]
    public async Task A_cancelled_count_ends_without_a_total()
    {
        for (var i = 0; i < 50; i++) Make($"c/f{i}.bin");
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();

        var count = FileTreeCount.Start(new FileTree(new[] { Root }, FileTreeFilter.Default), cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => count.Completion);
        Assert.Null(count.TotalIfKnown);
    }

    private List<FoundFile> Walk(string root, FileTreeFilter? filter = null)
    {
        var errors = new List<string>();
        var found = new FileTree(new[] { root }, filter ?? FileTreeFilter.Default).Walk((path, _) => errors.Add(path)).ToList();
        Assert.Empty(errors);
        return found;
    }

    private string Dir(string relative) => Directory.CreateDirectory(Path.Combine(Root, relative)).FullName;

    private string Make(string relative)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, relative);
        return path;
    }

    private string MakeHidden(string folder, string dotName)
    {
        var path = Make(Path.Combine(folder, dotName));
        Hide(path);
        return path;
    }

    // A leading dot hides on Unix; Windows needs the attribute.
    private static void Hide(string path)
    {
        if (OperatingSystem.IsWindows()) File.SetAttributes(path, File.GetAttributes(path) | FileAttributes.Hidden);
    }

    private static Func<string, bool> Any(params string[] patterns) =>
        name => patterns.Any(p => FileSystemName.MatchesSimpleExpression(p, name, ignoreCase: false));

    private static List<string> Sorted(IEnumerable<string> paths) => paths.OrderBy(p => p, StringComparer.Ordinal).ToList();
}
