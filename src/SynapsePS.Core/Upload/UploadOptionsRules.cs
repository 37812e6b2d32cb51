using System;

namespace SynapsePS.Upload;

/// <summary>The ranges the engine accepts for <see cref="UploadOptions"/>.</summary>
internal static class UploadOptionsRules
{
    public static UploadOptions Validate(UploadOptions options)
    {
        if (options.ChunkSize < UploadOptions.MinChunkSize || options.ChunkSize > UploadOptions.MaxChunkSize)
            throw new ArgumentOutOfRangeException(nameof(options.ChunkSize), options.ChunkSize,
                $"ChunkSize must be between {UploadOptions.MinChunkSize} and {UploadOptions.MaxChunkSize} bytes.");
        if (options.MaxRetries < 0) throw new ArgumentOutOfRangeException(nameof(options.MaxRetries));
        if (options.RetryDelay < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options.RetryDelay));
        if (options.Timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(options.Timeout));
        if (options.MaxBytesPerSecond is { } cap && cap < UploadOptions.MinBytesPerSecond)
            throw new ArgumentOutOfRangeException(nameof(options.MaxBytesPerSecond), cap,
                $"MaxBytesPerSecond must be at least {UploadOptions.MinBytesPerSecond}.");
        if (options.MaxDuration is { } budget && budget <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options.MaxDuration), budget, "MaxDuration must be above zero.");
        if (options.MaxFailures is < 1) throw new ArgumentOutOfRangeException(nameof(options.MaxFailures));
        return options;
    }
}
