using System;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Files;

namespace SynapsePS.Batch;

// Folders given to the batch: the engine walks them, streams each file into the same admission as a piped file,
// and counts the tree beside the uploads so that the batch can tell its total.
public sealed partial class UploadBatch
{
    private FileTreeCount? _count;
    private FileTreeTotal? _walked;

    /// <summary>
    /// How many files the submitted tree holds, once known: when the counting scan ends (or the walk itself, if it
    /// ends first). Null before that, and always for files submitted one by one, where no total can be known.
    /// </summary>
    public long? TotalFiles => Total?.Files;

    /// <summary>The length of those files together; known when <see cref="TotalFiles"/> is.</summary>
    public long? TotalBytes => Total?.Bytes;

    private FileTreeTotal? Total => _count?.TotalIfKnown ?? Volatile.Read(ref _walked);

    /// <summary>
    /// Walks <paramref name="tree"/> on a thread of its own and submits each file as it is found, through the same
    /// admission as <see cref="SubmitAsync(string)"/> (skipped and refused files settle at once; the walk waits while
    /// every lane is busy), so the first upload starts at once and memory does not grow with the number of files.
    /// A count of the tree runs beside it. A folder that cannot be read goes to <paramref name="unreadable"/> (from
    /// the walk's thread) and the walk goes on. Completes when every file is settled or started (after the time budget,
    /// the walk goes on only to count the files not started); one tree per batch. Faults with the call's end.
    /// </summary>
    public Task SubmitTreeAsync(FileTree tree, Action<string, Exception>? unreadable)
    {
        if (tree is null) throw new ArgumentNullException(nameof(tree));
        if (_count is not null) throw new InvalidOperationException("A batch takes one tree; give it every path at once.");
        // The count stops with the walk: once the walk has seen every file, its own tally is the total.
        var countStop = CancellationTokenSource.CreateLinkedTokenSource(_cancellation);
        _count = FileTreeCount.Start(tree, countStop.Token);
        // A thread of its own: the walk blocks on directory reads and on free lanes, never a pool thread's job.
        return EndingAsync(Task.Factory.StartNew(() =>
        {
            try { SubmitEach(tree, unreadable); }
            finally
            {
                countStop.Cancel();
                countStop.Dispose();
            }
        }, _cancellation,
            TaskCreationOptions.LongRunning, TaskScheduler.Default));
    }

    private void SubmitEach(FileTree tree, Action<string, Exception>? unreadable)
    {
        long files = 0, bytes = 0;
        foreach (var file in tree.Walk(unreadable))
        {
            ThrowIfEnded();
            _cancellation.ThrowIfCancellationRequested();
            files++;
            bytes += file.Length;
            // A skipped or refused file completes synchronously (no task is allocated); only a wait for a lane blocks.
            SubmitAsync(file.FullName, file).GetAwaiter().GetResult();
        }
        // The walk has seen every file: its own tally is the total if the count has not ended by now.
        Volatile.Write(ref _walked, new FileTreeTotal(files, bytes));
    }
}
