using System.Buffers;

namespace SynapsePS.DevServer;

/// <summary>
/// Reads a multipart/form-data body part by part. Two readers do it: <see cref="FrameworkMultipartParts"/> (the
/// default) and <see cref="MultipartChunkReader"/> (--multipart-reader custom), compared in the benchmark.
/// </summary>
internal interface IMultipartParts
{
    /// <summary>The next part's headers, or null after the closing delimiter.</summary>
    Task<Dictionary<string, string>?> NextPartAsync(CancellationToken ct);

    /// <summary>Hands the current part's bytes to <paramref name="sink"/> as they arrive; returns the count.</summary>
    Task<long> ReadPartAsync(Func<ReadOnlySequence<byte>, ValueTask> sink, CancellationToken ct);

    /// <summary>Reads a whole (small) text part.</summary>
    Task<string> ReadTextPartAsync(CancellationToken ct);
}
