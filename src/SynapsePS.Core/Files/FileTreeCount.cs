using System;
using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Files;

/// <summary>How many files and bytes a <see cref="FileTree"/> holds.</summary>
public sealed class FileTreeTotal
{
    public FileTreeTotal(long files, long bytes)
    {
        Files = files;
        Bytes = bytes;
    }

    public long Files { get; }
    public long Bytes { get; }
}

/// <summary>
/// A second walk of the same tree that only counts, run on its own thread while the uploads run, so that progress can
/// show a total and an ETA once it ends. It takes the same roots and filter, so its total is what the upload walk
/// yields (unless files come or go in between). Unreadable folders are passed over here: the upload walk reports them.
/// </summary>
public sealed class FileTreeCount
{
    private long _files;
    private long _bytes;

    private FileTreeCount(FileTree tree, CancellationToken cancellationToken)
    {
        // A thread of its own: the walk blocks on directory reads and must not hold a pool thread the uploads need.
        Completion = Task.Factory.StartNew(() => Count(tree, cancellationToken), cancellationToken,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Starts counting at once; observe <see cref="Files"/>/<see cref="Bytes"/> or await <see cref="Completion"/>.</summary>
    public static FileTreeCount Start(FileTree tree, CancellationToken cancellationToken = default) =>
        new(tree ?? throw new ArgumentNullException(nameof(tree)), cancellationToken);

    /// <summary>Files counted so far; the total once <see cref="Completion"/> has finished.</summary>
    public long Files => Interlocked.Read(ref _files);

    /// <summary>Bytes counted so far.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The total when counting ends; cancelled with the token.</summary>
    public Task<FileTreeTotal> Completion { get; }

    /// <summary>The total if counting has ended, otherwise null: what a progress view polls.</summary>
    public FileTreeTotal? TotalIfKnown =>
        Completion.Status == TaskStatus.RanToCompletion ? Completion.Result : null;

    private FileTreeTotal Count(FileTree tree, CancellationToken cancellationToken)
    {
        foreach (var file in tree.Walk())
        {
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Increment(ref _files);
            Interlocked.Add(ref _bytes, file.Length);
        }
        return new FileTreeTotal(Files, Bytes);
    }
}
