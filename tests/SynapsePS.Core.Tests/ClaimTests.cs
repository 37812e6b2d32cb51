using SynapsePS.Resume;

namespace SynapsePS.Core.Tests;

/// <summary>
/// Upload claims: one holder per (server, file) on this machine, whether the other claimant is another claim object,
/// another thread or another process, and nothing left behind by a holder that is killed. No server needed.
/// </summary>
public sealed class ClaimTests : IDisposable
{
    private static readonly Uri s_server = new("http://127.0.0.1:9/");
    private static readonly Uri s_otherServer = new("http://127.0.0.2:9/");
    private static readonly TimeSpan s_fastPoll = TimeSpan.FromMilliseconds(20);

    private readonly Scratch _scratch = new();
    private readonly UploadClaims _claims;

    public ClaimTests() => _claims = UploadClaims.Open(_scratch.StateDirectory);

    public void Dispose() => _scratch.Dispose();

    private string Local(string name) => Path.Combine(_scratch.Root, name);

    /// <summary>A file whose claim takes a different lock file from <paramref name="other"/>'s, so only a real bug can make them wait for each other.</summary>
    private string OnAnotherSlot(string other, string prefix)
    {
        for (var i = 0; ; i++)
        {
            var name = Local(prefix + i);
            if (_claims.PathFor(s_server, name) != _claims.PathFor(s_server, other)) return name;
        }
    }

    [Fact]
    public void Claims_live_in_a_bounded_set_of_lock_files_in_the_state_folder()
    {
        var path = _claims.PathFor(s_server, Local("a.bin"));

        Assert.Equal(Path.Combine(_scratch.StateDirectory, "claims"), _claims.Directory);
        Assert.Equal(_claims.Directory, Path.GetDirectoryName(path));
        Assert.Matches(@"^[0-9a-f]{4}\.lock$", Path.GetFileName(path));
        Assert.True(Convert.ToInt32(Path.GetFileNameWithoutExtension(path), 16) < UploadClaims.SlotCount);
        Assert.Equal(path, _claims.PathFor(new Uri("http://127.0.0.1:9/"), Local("a.bin")));
    }

    [Fact]
    public void A_second_claim_of_a_held_file_is_refused_until_the_first_is_released()
    {
        var file = Local("a.bin");

        var first = _claims.TryClaim(s_server, file);
        var second = _claims.TryClaim(s_server, file);
        first!.Dispose();
        using var third = _claims.TryClaim(s_server, file);

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.False(first.IsHeld);
        Assert.NotNull(third);
        Assert.True(third.IsHeld);
        Assert.Equal(file, third.FullName);
        Assert.Equal(s_server, third.BaseUrl);
    }

    [Fact]
    public void Another_thread_of_the_same_process_is_refused_while_a_claim_is_held()
    {
        var file = Local("a.bin");
        using var held = _claims.TryClaim(s_server, file);
        UploadClaim? fromThread = null;
        Exception? failure = null;

        var thread = new Thread(() =>
        {
            try { fromThread = _claims.TryClaim(s_server, file); }
            catch (Exception ex) { failure = ex; }
        });
        thread.Start();
        thread.Join();

        Assert.NotNull(held);
        Assert.Null(failure);
        Assert.Null(fromThread);
    }

    [Fact]
    public void Threads_racing_for_one_file_hold_it_one_at_a_time()
    {
        var file = Local("a.bin");
        var inside = 0;
        var mostInside = 0;
        var granted = 0;
        var refused = 0;
        var failures = new List<Exception>();

        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            try
            {
                for (var i = 0; i < 400; i++)
                {
                    using var claim = _claims.TryClaim(s_server, file);
                    if (claim is null) { Interlocked.Increment(ref refused); continue; }
                    Interlocked.Increment(ref granted);
                    var now = Interlocked.Increment(ref inside);
                    InterlockedMax(ref mostInside, now);
                    Thread.SpinWait(2000);
                    Interlocked.Decrement(ref inside);
                }
            }
            catch (Exception ex) { lock (failures) failures.Add(ex); }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());

        Assert.Empty(failures);
        Assert.Equal(1, mostInside);
        Assert.True(granted > 0 && refused > 0, $"granted {granted}, refused {refused}: the threads never met");
    }

    [Fact]
    public void Threads_making_the_first_claims_of_a_state_folder_all_get_theirs()
    {
        // Every thread finds no claims folder and one of them creates it while the others' opens fail: whichever
        // way .NET names that failure, each claim is made, none is an error.
        var failures = new List<Exception>();
        for (var round = 0; round < 40; round++)
        {
            var claims = UploadClaims.Open(Path.Combine(_scratch.Root, $"state{round}"));
            using var start = new Barrier(8);
            var threads = Enumerable.Range(0, 8).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                try { claims.TryClaim(s_server, Local($"r{round}-t{t}"))?.Dispose(); }
                catch (Exception ex) { lock (failures) failures.Add(ex); }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
        }
        Assert.Empty(failures);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }

    [Fact]
    public void A_held_claim_does_not_block_another_file_or_the_same_file_on_another_server()
    {
        var file = Local("a.bin");
        var other = OnAnotherSlot(file, "b");
        using var held = _claims.TryClaim(s_server, file);

        using var otherFile = _claims.TryClaim(s_server, other);
        var otherServerPathDiffers = _claims.PathFor(s_otherServer, file) != _claims.PathFor(s_server, file);
        using var otherServer = otherServerPathDiffers ? _claims.TryClaim(s_otherServer, file) : null;

        Assert.NotNull(held);
        Assert.NotNull(otherFile);
        Assert.True(!otherServerPathDiffers || otherServer is not null);
    }

    [Fact]
    public void Releasing_twice_is_harmless_and_does_not_release_a_later_holder()
    {
        var file = Local("a.bin");
        var first = _claims.TryClaim(s_server, file)!;
        first.Dispose();
        using var second = _claims.TryClaim(s_server, file);

        first.Dispose();
        var third = _claims.TryClaim(s_server, file);

        Assert.NotNull(second);
        Assert.Null(third);
    }

    [Fact]
    public void Claiming_many_files_leaves_at_most_one_empty_lock_file_per_slot()
    {
        const int files = 20_000;   // more than the slots, so that every slot is reused
        for (var i = 0; i < files; i++)
        {
            using var claim = _claims.TryClaim(s_server, Local("many-" + i));
            Assert.NotNull(claim);
        }

        var left = Directory.GetFiles(_claims.Directory);
        Assert.InRange(left.Length, UploadClaims.SlotCount / 2, UploadClaims.SlotCount);
        Assert.All(left, f => Assert.Equal(0, new FileInfo(f).Length));
    }

    [Fact]
    public async Task ClaimAsync_waits_for_the_release_and_says_that_it_waits()
    {
        var file = Local("a.bin");
        var held = _claims.TryClaim(s_server, file)!;
        var waits = new List<TimeSpan>();
        // Three reports, however slowly a loaded machine polls: the test is about what is reported, not when.
        var waiting = new TaskCompletionSource();
        var progress = new InlineReport<TimeSpan>(t =>
        {
            lock (waits)
            {
                waits.Add(t);
                if (waits.Count >= 3 && waits[^1] - waits[0] >= TimeSpan.FromMilliseconds(100)) waiting.TrySetResult();
            }
        });

        var claiming = _claims.ClaimAsync(s_server, file, progress, CancellationToken.None, s_fastPoll);
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var doneWhileHeld = claiming.IsCompleted;
        held.Dispose();
        using var claim = await claiming.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(doneWhileHeld);
        Assert.True(claim.IsHeld);
        lock (waits)
        {
            Assert.True(waits.Count >= 3, $"{waits.Count} reports");
            Assert.Equal(waits.OrderBy(t => t), waits);
            Assert.True(waits[^1] - waits[0] >= TimeSpan.FromMilliseconds(100), $"reports from {waits[0]} to {waits[^1]}: the waited time does not grow");
        }
    }

    [Fact]
    public async Task ClaimAsync_of_a_free_file_claims_it_at_once_without_a_waiting_report()
    {
        var reports = 0;

        using var claim = await _claims.ClaimAsync(s_server, Local("a.bin"), new InlineReport<TimeSpan>(_ => reports++), CancellationToken.None);

        Assert.True(claim.IsHeld);
        Assert.Equal(0, reports);
    }

    [Fact]
    public async Task ClaimAsync_stops_when_cancelled()
    {
        var file = Local("a.bin");
        using var held = _claims.TryClaim(s_server, file);
        using var cancel = new CancellationTokenSource();
        var progress = new InlineReport<TimeSpan>(_ => cancel.Cancel());

        var claiming = _claims.ClaimAsync(s_server, file, progress, cancel.Token, s_fastPoll);
        var error = await Record.ExceptionAsync(() => claiming.WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.NotNull(held);
    }

    [Fact]
    public void A_claims_folder_that_cannot_be_made_is_an_error_not_a_claim_held_elsewhere()
    {
        Directory.CreateDirectory(_scratch.StateDirectory);
        File.WriteAllText(Path.Combine(_scratch.StateDirectory, UploadClaims.FolderName), "not a folder");

        var error = Record.Exception(() => _claims.TryClaim(s_server, Local("a.bin")));

        Assert.IsAssignableFrom<IOException>(error);
    }

#if !ENGINE_NETSTANDARD   // the child process is built against the net8.0 engine; the netstandard2.0 build is tested in-process above
    /// <summary>tests/SynapsePS.LedgerStress in its claim mode: claims the files, prints "held", releases them on a line.</summary>
    private StressChild Holder(params string[] files) =>
        StressChild.Start(["claim", _scratch.StateDirectory, s_server.AbsoluteUri, .. files]);

    [Fact]
    public async Task A_claim_held_by_a_live_process_blocks_only_that_file()
    {
        var file = Local("a.bin");
        using var holder = Holder(file);
        await holder.WaitForLineAsync("held");

        var same = _claims.TryClaim(s_server, file);
        // Every other file, except one that happens to share the lock file (a slot, 1 in SlotCount), is free.
        var others = Enumerable.Range(0, 300).Select(i => Local("other-" + i)).ToList();
        var sharing = others.Where(o => _claims.PathFor(s_server, o) == _claims.PathFor(s_server, file)).ToList();
        var refused = new List<string>();
        foreach (var other in others)
        {
            using var claim = _claims.TryClaim(s_server, other);
            if (claim is null) refused.Add(other);
        }
        holder.Go();
        await holder.WaitForLineAsync("released");
        using var afterRelease = _claims.TryClaim(s_server, file);

        Assert.Null(same);
        Assert.Equal(sharing, refused);
        Assert.NotNull(afterRelease);
        await holder.WaitForSuccessAsync();
    }

    [Fact]
    public async Task A_claim_of_a_killed_process_blocks_nothing()
    {
        for (var round = 0; round < 3; round++)
        {
            var files = new[] { Local("a" + round), Local("b" + round) };
            using var holder = Holder(files);
            await holder.WaitForLineAsync("held");
            var whileAlive = _claims.TryClaim(s_server, files[0]);

            holder.KillHard();
            using var first = _claims.TryClaim(s_server, files[0]);
            using var second = _claims.TryClaim(s_server, files[1]);

            Assert.Null(whileAlive);
            Assert.NotNull(first);
            Assert.NotNull(second);
        }
    }

    [Fact]
    public async Task A_process_waiting_for_a_claim_gets_it_when_this_one_releases()
    {
        var file = Local("a.bin");
        var held = _claims.TryClaim(s_server, file)!;
        using var waiter = Holder(file);

        await waiter.WaitForLineAsync("refused 2");   // the child tried twice while this one held the claim
        var heldByChildWhileHere = waiter.HasPrinted("held");
        held.Dispose();
        await waiter.WaitForLineAsync("held");
        var whileChildHolds = _claims.TryClaim(s_server, file);
        waiter.Go();
        await waiter.WaitForSuccessAsync();

        Assert.False(heldByChildWhileHere);
        Assert.Null(whileChildHolds);
    }
#endif
}
