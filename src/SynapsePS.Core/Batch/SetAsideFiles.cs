using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Resume;

namespace SynapsePS.Batch;

/// <summary>
/// The files a batch met while another call on this machine held their claim: put aside in the order met, and
/// taken up again (each tried once per round, oldest first) as soon as they can be claimed. Every round drops what
/// has become free, so what stays is what other calls hold at that moment, not a list that grows with the input;
/// <see cref="Capacity"/> caps even the odd case of one file given again and again while it uploads.
/// </summary>
internal sealed class SetAsideFiles
{
    /// <summary>With this many set aside, the batch takes no new input until some are claimed.</summary>
    public const int Capacity = 1024;

    private readonly Queue<(string FullName, long Since)> _files = new();
    private readonly Func<string, FileRecords?> _tryClaim;
    private readonly Func<FileRecords, Task> _take;
    private readonly IUploadLog? _log;
    private readonly CancellationToken _cancellation;
    private readonly TimeProvider _time;
    private readonly Func<bool> _giveUp;
    private int _count;

    /// <param name="tryClaim">Claims a file without waiting: its records holding the claim, or null while it is held elsewhere.</param>
    /// <param name="take">Takes a claimed file on (settles or starts it) and owns its records from then on.</param>
    /// <param name="time">The call's clock: the polls wait on it.</param>
    /// <param name="giveUp">True once no file may start any more (the call's time budget passed): waiting stops.</param>
    public SetAsideFiles(Func<string, FileRecords?> tryClaim, Func<FileRecords, Task> take, IUploadLog? log,
        CancellationToken cancellation, TimeProvider time, Func<bool> giveUp)
    {
        _time = time;
        _giveUp = giveUp;
        _tryClaim = tryClaim;
        _take = take;
        _log = log;
        _cancellation = cancellation;
    }

    /// <summary>How many files are waiting for another call to release them. Thread-safe.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Sets aside a file whose claim another call holds; its records are let go (they hold nothing).</summary>
    public void Add(FileRecords records)
    {
        var fullName = records.FullName;
        records.Dispose();
        _log?.Verbose($"'{Path.GetFileName(fullName)}' is being uploaded by another run on this machine; coming back to it after the files that follow.");
        lock (_files)
        {
            _files.Enqueue((fullName, _time.GetTimestamp()));
            _count = _files.Count;
        }
    }

    /// <summary>Takes up the files that are free now; while <see cref="Capacity"/> are still held elsewhere, waits for some.</summary>
    public Task TakeUpFreeAsync() => TakeUpAsync(() => Count < Capacity);

    /// <summary>Takes up every file, trying again every <see cref="UploadClaims.DefaultPollInterval"/> until none is left.</summary>
    public Task TakeUpAllAsync() => TakeUpAsync(() => Count == 0);

    /// <summary>Forgets every file still set aside (they are left for a later run); how many there were.</summary>
    public int Clear()
    {
        lock (_files)
        {
            var left = _files.Count;
            _files.Clear();
            _count = 0;
            return left;
        }
    }

    private async Task TakeUpAsync(Func<bool> done)
    {
        while (Count > 0 && !_giveUp())
        {
            await TakeUpRoundAsync().ConfigureAwait(false);
            if (done()) return;
            await _time.DelayAsync(UploadClaims.DefaultPollInterval, _cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Tries each file once, oldest first; one it can claim leaves the list and is taken up (and awaited) before the
    /// next is tried, so the batch holds no claim it is not yet using.
    /// </summary>
    private async Task TakeUpRoundAsync()
    {
        for (var round = Count; round > 0; round--)
        {
            (string FullName, long Since) next;
            FileRecords? claim;
            lock (_files)
            {
                if (_files.Count == 0) return;
                next = _files.Dequeue();
                claim = _tryClaim(next.FullName);
                if (claim is null) _files.Enqueue(next);
                _count = _files.Count;
            }
            if (claim is null) continue;
            var waited = _time.GetElapsedTime(next.Since).TotalSeconds;
            _log?.Verbose($"'{Path.GetFileName(next.FullName)}' waited {waited:0.0} s for another run on this machine to finish with it.");
            await _take(claim).ConfigureAwait(false);
        }
    }
}
