using System.Threading;

namespace SynapsePS.Upload;

/// <summary>Counters of one upload, updated from the request path.</summary>
internal sealed class UploadStats
{
    public UploadStats(IUploadLog? log) => Log = log;

    /// <summary>Where this upload's verbose lines and warnings go.</summary>
    public IUploadLog? Log { get; }

    private int _retries;
    private long _bytesSent;

    public int Retries => Volatile.Read(ref _retries);
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public void AddRetry() => Interlocked.Increment(ref _retries);
    public void AddBytesSent(long n) => Interlocked.Add(ref _bytesSent, n);
}
