using System.Threading;

namespace SynapsePS.Resilience;

/// <summary>
/// The counters and the log of one operation of the engine (the upload of one file, or a read of the server's
/// records), updated from the request path by every attempt of every request the operation sends.
/// </summary>
internal sealed class OperationStats
{
    public OperationStats(IUploadLog? log) => Log = log;

    /// <summary>Where this operation's verbose lines and warnings go.</summary>
    public IUploadLog? Log { get; }

    private int _retries;
    private long _bytesSent;

    public int Retries => Volatile.Read(ref _retries);
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public void AddRetry() => Interlocked.Increment(ref _retries);
    public void AddBytesSent(long n) => Interlocked.Add(ref _bytesSent, n);
}
