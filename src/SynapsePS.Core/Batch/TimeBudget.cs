using System;
using System.Threading;

namespace SynapsePS.Batch;

/// <summary>
/// The call's time budget (<see cref="UploadOptions.MaxDuration"/>), rclone's <c>--max-duration</c> with a soft
/// then hard cut-off: once it has passed no new file starts; the uploads in flight get a grace to finish, then
/// <see cref="Cut"/> stops them the way Ctrl+C does (journals kept, never a finish for a partial upload), so the next
/// run resumes them where the server stopped. It counts the files it kept from starting and the uploads it cut.
/// A call without a budget gets one that never passes.
/// </summary>
internal sealed class TimeBudget : IDisposable
{
    /// <summary>The longest grace the uploads in flight get after the budget passed.</summary>
    public static readonly TimeSpan MaxGrace = TimeSpan.FromSeconds(60);

    private readonly TimeSpan? _limit;
    private readonly CancellationTokenSource _cut = new();
    private readonly ITimer? _spentTimer;
    private readonly ITimer? _cutTimer;
    private int _spent;
    private int _notStarted;
    private int _interrupted;

    /// <param name="limit">The budget, from now; null for none.</param>
    /// <param name="time">The clock; tests pass a FakeTimeProvider.</param>
    public TimeBudget(TimeSpan? limit, TimeProvider time)
    {
        _limit = limit;
        if (limit is not { } budget) return;
        _spentTimer = time.CreateTimer(static s => ((TimeBudget)s!).Spend(), this, budget, Timeout.InfiniteTimeSpan);
        _cutTimer = time.CreateTimer(static s => ((TimeBudget)s!).CutNow(), this, budget + GraceFor(budget), Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The grace of a budget: a tenth of it, at most <see cref="MaxGrace"/>. A tenth keeps a short budget short (a
    /// 10 min maintenance window loses at most a minute); the minute is enough for a chunk of the default size on a
    /// slow uplink to finish, and short next to a cloud sandbox's 3 hours.
    /// </summary>
    public static TimeSpan GraceFor(TimeSpan budget) =>
        TimeSpan.FromTicks(Math.Min(MaxGrace.Ticks, budget.Ticks / 10));

    /// <summary>Whether the budget has passed: no new file starts.</summary>
    public bool IsSpent => Volatile.Read(ref _spent) != 0;

    /// <summary>Cancelled when the grace after the budget has passed: the uploads still in flight stop.</summary>
    public CancellationToken Cut => _cut.Token;

    /// <summary>How many files the budget kept from starting.</summary>
    public int NotStarted => Volatile.Read(ref _notStarted);

    /// <summary>How many uploads in flight it cut.</summary>
    public int Interrupted => Volatile.Read(ref _interrupted);

    /// <summary>True while a file may start; once the budget has passed, false, and the file counts as not started.</summary>
    public bool TryAdmit()
    {
        if (!IsSpent) return true;
        Interlocked.Increment(ref _notStarted);
        return false;
    }

    /// <summary>Counts files left unstarted in one go (files set aside for another run when the budget passed).</summary>
    public void NotStartedAlso(int files) => Interlocked.Add(ref _notStarted, files);

    /// <summary>Counts an upload that <see cref="Cut"/> stopped.</summary>
    public void CountInterrupted() => Interlocked.Increment(ref _interrupted);

    /// <summary>
    /// The call's end when the budget left work undone: one TimeBudgetReached naming what was not started and what
    /// was cut; null when it did not pass, or passed after every file had finished.
    /// </summary>
    public SynapseClientException? Reached()
    {
        if (!IsSpent || NotStarted + Interrupted == 0) return null;
        var budget = _limit!.Value;
        return new SynapseClientException(SynapseErrorKind.TimeBudgetReached,
            $"The time budget of {budget.TotalSeconds:0} s (-MaxDurationSec) was reached: {Files(NotStarted)} not started and " +
            $"{Files(Interrupted, "upload")} in flight cut after a grace of {GraceFor(budget).TotalSeconds:0.#} s, their journals kept. " +
            "Run the same command again with -SkipUploaded to resume the cut uploads and send the rest.");
    }

    /// <summary>What one file's upload answers when the budget kept it from starting or cut it.</summary>
    public static SynapseClientException Stopped(string path, bool started) =>
        new(SynapseErrorKind.TimeBudgetReached, started
            ? $"The time budget passed while '{path}' was uploading: the upload was cut, its journal kept for the next run."
            : $"The time budget passed before '{path}' started: it was not uploaded.", filePath: path);

    public void Dispose()
    {
        _spentTimer?.Dispose();
        _cutTimer?.Dispose();
        _cut.Dispose();
    }

    private void Spend() => Volatile.Write(ref _spent, 1);

    private void CutNow()
    {
        Spend();
        try { _cut.Cancel(); }
        catch (ObjectDisposedException) { }   // the call ended first
    }

    private static string Files(int count, string noun = "file") => $"{count} {noun}{(count == 1 ? "" : "s")}";
}
