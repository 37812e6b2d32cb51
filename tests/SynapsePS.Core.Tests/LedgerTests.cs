using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SynapsePS.Resume;

namespace SynapsePS.Core.Tests;

/// <summary>
/// The completed-uploads ledger and the store it shares with the resume journals: round trips, damaged entries,
/// threads, several processes and a writer killed mid-write. No server needed.
/// </summary>
public sealed class LedgerTests : IDisposable
{
    private static readonly Uri s_server = new("http://127.0.0.1:9/");
    private static readonly Uri s_otherServer = new("http://127.0.0.2:9/");

    private readonly Scratch _scratch = new();
    private readonly UploadLedger _ledger;

    public LedgerTests() => _ledger = UploadLedger.Open(_scratch.StateDirectory);

    public void Dispose() => _scratch.Dispose();

    /// <summary>An entry whose Md5 field is a fingerprint of its other fields, so a mix of two entries shows.</summary>
    private static LedgerEntry Entry(string fullName, long length = 1234, string uploadId = "u-1", Uri? server = null)
    {
        var baseUrl = (server ?? s_server).AbsoluteUri;
        return new LedgerEntry
        {
            BaseUrl = baseUrl,
            FullName = fullName,
            Length = length,
            LastWriteTimeUtc = new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1234567),
            Md5 = Fingerprint(fullName, uploadId, length),
            UploadId = uploadId,
            UploadUrl = baseUrl + "api/upload/" + uploadId + "/",
            CompletedAtUtc = new DateTime(2024, 5, 6, 8, 0, 0, DateTimeKind.Utc),
        };
    }

    // The same fingerprint as tests/SynapsePS.LedgerStress writes.
    private static string Fingerprint(string fullName, string uploadId, long length) =>
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(fullName + "|" + uploadId + "|" + length)));

    private static bool IsWhole(LedgerEntry e) => e.Md5 == Fingerprint(e.FullName, e.UploadId, e.Length);

    private string Local(string name) => Path.Combine(_scratch.Root, name);

    [Fact]
    public void Round_trip_keeps_every_field_in_a_sharded_file_named_by_the_key_hash()
    {
        var written = Entry(Local("a.bin"));
        _ledger.Record(written, null);

        var read = _ledger.TryGet(s_server, written.FullName, null);

        Assert.NotNull(read);
        Assert.Equivalent(written, read, strict: true);
        Assert.Equal(DateTimeKind.Utc, read.LastWriteTimeUtc.Kind);
        var path = _ledger.PathFor(s_server, written.FullName);
        Assert.True(File.Exists(path));
        Assert.Equal(Path.Combine(_scratch.StateDirectory, "completed"), _ledger.Directory);
        Assert.Matches(new Regex(@"[\\/]completed[\\/]([0-9a-f]{2})[\\/]\1[0-9a-f]{62}\.json$"), path);
        Assert.Null(_ledger.TryGet(s_server, Local("never.bin"), null));
    }

    [Fact]
    public void Open_puts_the_ledger_beside_the_journals_in_the_same_state_folder()
    {
        Assert.Equal(Path.Combine(UploadJournal.Open(null).Directory, StateFolder.LedgerFolderName), UploadLedger.Open(null).Directory);
        Assert.Equal(Path.Combine(UploadJournal.Open(_scratch.StateDirectory).Directory, StateFolder.LedgerFolderName), _ledger.Directory);
    }

    [Fact]
    public void Recording_again_replaces_the_entry_and_leaves_no_temporary_file()
    {
        var name = Local("b.bin");
        _ledger.Record(Entry(name, 10, "first"), null);
        _ledger.Record(Entry(name, 20, "second"), null);

        var read = _ledger.TryGet(s_server, name, null);

        Assert.Equal("second", read?.UploadId);
        Assert.Equal(20, read?.Length);
        Assert.Single(Directory.GetFiles(_ledger.Directory, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public void Matches_only_the_same_length_and_last_write_time()
    {
        var entry = Entry(Local("c.bin"), 500);
        var time = entry.LastWriteTimeUtc;

        Assert.True(UploadLedger.Matches(entry, 500, time));
        Assert.True(UploadLedger.Matches(entry, 500, time.ToLocalTime()));
        Assert.False(UploadLedger.Matches(entry, 501, time));
        Assert.False(UploadLedger.Matches(entry, 500, time.AddTicks(1)));
        Assert.False(UploadLedger.Matches(entry, 500, time.AddSeconds(-1)));
    }

    [Fact]
    public void Matches_a_real_file_read_back_from_the_ledger_until_it_is_touched()
    {
        var path = _scratch.File("real.bin", 4096);
        var info = new FileInfo(path);
        var entry = Entry(path, info.Length);
        entry.LastWriteTimeUtc = info.LastWriteTimeUtc;
        _ledger.Record(entry, null);

        var read = _ledger.TryGet(s_server, path, null)!;
        Assert.True(UploadLedger.Matches(read, info.Length, new FileInfo(path).LastWriteTimeUtc));

        File.SetLastWriteTimeUtc(path, info.LastWriteTimeUtc.AddSeconds(2));
        Assert.False(UploadLedger.Matches(read, info.Length, new FileInfo(path).LastWriteTimeUtc));
    }

    public static TheoryData<string> Damages => new() { "truncated", "garbage", "empty", "json null", "wrong version", "another key's file", "no base url", "too long" };

    [Theory]
    [MemberData(nameof(Damages))]
    public void Damaged_entry_is_absent_with_a_warning_and_enumeration_skips_it(string damage)
    {
        var good = Entry(Local("good.bin"), uploadId: "good");
        var victim = Entry(Local("victim.bin"), uploadId: "victim");
        _ledger.Record(good, null);
        _ledger.Record(victim, null);
        var path = _ledger.PathFor(s_server, victim.FullName);
        var text = File.ReadAllText(path);
        switch (damage)
        {
            case "truncated": File.WriteAllText(path, text[..(text.Length / 2)]); break;
            case "garbage": File.WriteAllBytes(path, [0x00, 0xff, 0x7b, 0x13, 0x22, 0x80, 0x0a]); break;
            case "empty": File.WriteAllBytes(path, []); break;
            case "json null": File.WriteAllText(path, "null"); break;
            case "wrong version": File.WriteAllText(path, text.Replace("\"Version\": 1", "\"Version\": 2", StringComparison.Ordinal)); break;
            case "another key's file": File.Copy(_ledger.PathFor(s_server, good.FullName), path, overwrite: true); break;
            case "no base url": File.WriteAllText(path, text.Replace(s_server.AbsoluteUri, "", StringComparison.Ordinal)); break;
            case "too long": File.WriteAllText(path, text + new string(' ', 70_000)); break;   // valid JSON, but no record is that long
            default: throw new ArgumentOutOfRangeException(nameof(damage));
        }

        var log = new RecordingLog();
        Assert.Null(_ledger.TryGet(s_server, victim.FullName, log));
        Assert.Contains(log.Warnings, w => w.Contains(path, StringComparison.Ordinal));

        var listLog = new RecordingLog();
        var listed = _ledger.Enumerate(listLog).ToList();
        Assert.Equal("good", Assert.Single(listed).UploadId);
        Assert.Contains(listLog.Warnings, w => w.Contains(path, StringComparison.Ordinal));
        Assert.NotNull(_ledger.TryGet(s_server, good.FullName, null));
    }

    [Fact]
    public void Entry_whose_base_url_is_spelled_otherwise_but_filed_under_its_key_is_read()
    {
        // A lookup compares the names as spelled first; a record that spells its server differently (as an older
        // writer might) is still its key's record when its own names hash to its file.
        var entry = Entry(Local("spelled.bin"));
        entry.BaseUrl = "HTTP://127.0.0.1:9";
        _ledger.Record(entry, null);
        var log = new RecordingLog();

        var read = _ledger.TryGet(s_server, entry.FullName, log);

        Assert.Equal(entry.Md5, read?.Md5);
        Assert.Empty(log.Warnings);
    }

    [Fact]
    public void Unreadable_entry_is_absent_with_a_warning_instead_of_throwing()
    {
        var name = Local("unreadable.bin");
        var path = _ledger.PathFor(s_server, name);
        Directory.CreateDirectory(path);   // a folder where the entry's file should be: opening it fails
        var log = new RecordingLog();

        Assert.Null(_ledger.TryGet(s_server, name, log));

        Assert.Contains(log.Warnings, w => w.Contains(path, StringComparison.Ordinal));
    }

    [Fact]
    public void Write_failure_is_a_warning_not_an_error()
    {
        var blocked = Path.Combine(_scratch.Root, "not-a-folder");
        File.WriteAllText(blocked, "a file where the state folder should be");
        var ledger = UploadLedger.Open(blocked);
        var log = new RecordingLog();

        ledger.Record(Entry(Local("d.bin")), log);

        Assert.Contains(log.Warnings, w => w.Contains(Local("d.bin"), StringComparison.Ordinal) && w.Contains(ledger.Directory, StringComparison.Ordinal));
        Assert.Null(ledger.TryGet(s_server, Local("d.bin"), log));
    }

    [Fact]
    public void Paths_differing_only_in_case_are_one_entry_on_Windows_and_two_elsewhere()
    {
        _ledger.Record(Entry(Local("Case.bin"), uploadId: "upper"), null);
        _ledger.Record(Entry(Local("case.bin"), uploadId: "lower"), null);
        var log = new RecordingLog();

        var upper = _ledger.TryGet(s_server, Local("Case.bin"), log);
        var lower = _ledger.TryGet(s_server, Local("case.bin"), log);

        Assert.Empty(log.Warnings);
        if (OperatingSystem.IsWindows())
        {
            Assert.Equal("lower", upper?.UploadId);
            Assert.Equal("lower", lower?.UploadId);
            Assert.Single(_ledger.Enumerate(log));
        }
        else
        {
            Assert.Equal("upper", upper?.UploadId);
            Assert.Equal("lower", lower?.UploadId);
            Assert.Equal(2, _ledger.Enumerate(log).Count());
        }
    }

    [Fact]
    public void Each_server_has_its_own_entry_of_a_file()
    {
        var name = Local("e.bin");
        _ledger.Record(Entry(name, uploadId: "here"), null);
        _ledger.Record(Entry(name, uploadId: "there", server: s_otherServer), null);

        Assert.Equal("here", _ledger.TryGet(s_server, name, null)?.UploadId);
        Assert.Equal("there", _ledger.TryGet(s_otherServer, name, null)?.UploadId);
        Assert.True(_ledger.Remove(s_otherServer, name));
        Assert.False(_ledger.Remove(s_otherServer, name));
        Assert.Null(_ledger.TryGet(s_otherServer, name, null));
        Assert.Equal("here", _ledger.TryGet(s_server, name, null)?.UploadId);
    }

    [Fact]
    public void Journals_and_ledger_share_the_state_folder_without_seeing_each_other()
    {
        var journal = UploadJournal.Open(_scratch.StateDirectory);
        var name = Local("f.bin");
        journal.Save(new JournalEntry { BaseUrl = s_server.AbsoluteUri, FullName = name, UploadId = "in-flight", UploadUrl = "http://127.0.0.1:9/x/" });
        journal.Save(new JournalEntry { BaseUrl = s_server.AbsoluteUri, FullName = Local("g.bin"), UploadId = "other", UploadUrl = "http://127.0.0.1:9/y/" });
        _ledger.Record(Entry(name, uploadId: "done"), null);
        File.WriteAllText(Path.Combine(_scratch.StateDirectory, "upload-0123456789abcdef0123456789abcdef.json"), "{\"Version\":");
        var log = new RecordingLog();

        var journals = journal.Enumerate(log).Select(j => j.UploadId).Order().ToList();

        Assert.Equal(["in-flight", "other"], journals);
        Assert.Contains(log.Warnings, w => w.Contains("upload-0123456789abcdef0123456789abcdef.json", StringComparison.Ordinal));
        Assert.Equal("done", Assert.Single(_ledger.Enumerate(null)).UploadId);
        Assert.Equal(3, Directory.GetFiles(_scratch.StateDirectory, "*.json").Length);   // journals stay flat
        Assert.Equal("in-flight", journal.TryLoad(s_server, name)?.UploadId);
    }

    [Fact]
    public async Task Threads_writing_and_reading_overlapping_keys_never_see_a_damaged_entry()
    {
        const int keys = 16;
        var log = new RecordingLog();
        var torn = 0;
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            var random = new Random(worker);
            for (var n = 1; n <= 400; n++)
            {
                _ledger.Record(Entry(Local("t" + random.Next(keys)), n, $"w{worker}-{n}"), log);
                var read = _ledger.TryGet(s_server, Local("t" + random.Next(keys)), log);
                if (read is not null && !IsWhole(read)) Interlocked.Increment(ref torn);
            }
        })).ToArray();
        await Task.WhenAll(workers);

        Assert.Empty(log.Warnings);
        Assert.Equal(0, torn);
        var entries = _ledger.Enumerate(log).ToList();
        Assert.Equal(keys, entries.Count);
        Assert.All(entries, e => Assert.True(IsWhole(e), e.UploadId));
        Assert.Empty(log.Warnings);
        Assert.Equal(keys, Directory.GetFiles(_ledger.Directory, "*", SearchOption.AllDirectories).Length);   // no temporary file left
    }

#if !ENGINE_NETSTANDARD   // the child process is built against the net8.0 engine; the netstandard2.0 store is tested in-process above
    [Fact]
    public async Task Two_processes_writing_overlapping_keys_at_once_leave_only_whole_entries()
    {
        const int keys = 40;
        using var a = Writer(_scratch.StateDirectory, "a", keys, writes: 2500);
        using var b = Writer(_scratch.StateDirectory, "b", keys, writes: 2500);
        await Task.WhenAll(a.WaitForLineAsync("ready"), b.WaitForLineAsync("ready"));
        a.Go();
        b.Go();

        await a.WaitForSuccessAsync();
        await b.WaitForSuccessAsync();

        var log = new RecordingLog();
        var entries = _ledger.Enumerate(log).ToList();
        Assert.Empty(log.Warnings);
        Assert.Equal(keys, entries.Count);
        Assert.All(entries, e => Assert.True(IsWhole(e), e.UploadId));
        // Each read entries of the other while it ran: the two really wrote at the same time.
        Assert.True(OthersSeen(a) > 0 && OthersSeen(b) > 0, $"a read {OthersSeen(a)} entries of b, b read {OthersSeen(b)} of a");
    }

    [Fact]
    public async Task Writer_killed_mid_write_leaves_every_entry_readable()
    {
        const int keys = 64;
        var random = new Random();
        // Two writers at a time, killed at a random moment, several times over: a store that ever leaves a file
        // half-written is caught here (a naive write-in-place is, in most runs).
        for (var round = 0; round < 6; round++)
        {
            using var first = Writer(_scratch.StateDirectory, "k" + round + "a", keys, writes: 0);
            using var second = Writer(_scratch.StateDirectory, "k" + round + "b", keys, writes: 0);
            await Task.WhenAll(first.WaitForLineAsync("ready"), second.WaitForLineAsync("ready"));
            first.Go();
            second.Go();
            await Task.WhenAll(first.WaitForLineAsync("writing"), second.WaitForLineAsync("writing"));
            await Task.Delay(random.Next(20, 300));
            first.KillHard();
            second.KillHard();
        }

        var log = new RecordingLog();
        var entries = _ledger.Enumerate(log).ToList();
        Assert.Empty(log.Warnings);
        Assert.NotEmpty(entries);
        Assert.All(entries, e => Assert.True(IsWhole(e), e.UploadId));
        for (var k = 0; k < keys; k++)
        {
            var entry = _ledger.TryGet(s_server, "/stress/file-" + k + ".bin", log);
            Assert.True(entry is null || IsWhole(entry));
        }
        Assert.Empty(log.Warnings);
    }
#endif

    [Fact]
    public void Enumerate_reads_as_it_goes_rather_than_loading_the_ledger()
    {
        const int count = 10_000;
        var names = Enumerable.Range(0, count).Select(i => Local("s" + i)).ToList();
        foreach (var name in names) _ledger.Record(Entry(name), null);
        string Shard(string name) => Path.GetFileName(Path.GetDirectoryName(_ledger.PathFor(s_server, name))!);
        var log = new RecordingLog();

        using var walk = _ledger.Enumerate(log).GetEnumerator();
        Assert.True(walk.MoveNext());
        var firstShard = Shard(walk.Current.FullName);
        // Entries removed from the folders the walk has not reached yet must not show up: nothing was read ahead.
        var later = names.Where(n => string.CompareOrdinal(Shard(n), firstShard) > 0).ToList();
        foreach (var name in later) Assert.True(_ledger.Remove(s_server, name));
        var seen = 1;
        while (walk.MoveNext()) seen++;

        Assert.True(later.Count > count / 2, $"only {later.Count} entries after shard {firstShard}");
        Assert.Equal(count - later.Count, seen);
        Assert.Empty(log.Warnings);
    }

#if !ENGINE_NETSTANDARD
    /// <summary>A ledger writer (tests/SynapsePS.LedgerStress): prints "ready", waits for a line, then writes entries of keys shared with other writers.</summary>
    private static StressChild Writer(string stateDirectory, string name, int keys, long writes) =>
        StressChild.Start(stateDirectory, name, keys.ToString(), writes.ToString());

    /// <summary>How many of its reads found another writer's entry (printed at the end as "others N").</summary>
    private static long OthersSeen(StressChild writer) =>
        writer.Lines.Where(l => l.StartsWith("others ", StringComparison.Ordinal)).Select(l => long.Parse(l[7..])).Single();
#endif
}
