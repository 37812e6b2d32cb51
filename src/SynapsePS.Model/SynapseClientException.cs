using System;

namespace SynapsePS;

/// <summary>
/// The one exception type the library throws for a failed upload. Like the Python SDK's
/// <c>ClientError.status_code</c>, the HTTP status stays reachable as <see cref="StatusCode"/>.
/// </summary>
public sealed class SynapseClientException : Exception
{
    public SynapseClientException(SynapseErrorKind kind, string message, int? statusCode = null,
        string? detail = null, string? responseBody = null, string? filePath = null, Exception? inner = null,
        bool isTransient = false, TimeSpan? retryAfter = null, long? serverOffset = null)
        : base(message, inner)
    {
        Kind = kind;
        StatusCode = statusCode;
        Detail = detail;
        ResponseBody = responseBody;
        FilePath = filePath;
        IsTransient = isTransient;
        RetryAfter = retryAfter;
        ServerOffset = serverOffset;
    }

    /// <summary>What went wrong; its name is the ErrorId.</summary>
    public SynapseErrorKind Kind { get; }

    /// <summary>The stable ErrorId (the name of <see cref="Kind"/>).</summary>
    public string ErrorId => Kind.ToString();

    /// <summary>The HTTP status of the failing answer, or null when no answer came.</summary>
    public int? StatusCode { get; }

    /// <summary>The server's <c>detail</c> text, when its body had one.</summary>
    public string? Detail { get; }

    /// <summary>The server's body as received (truncated to a few KiB).</summary>
    public string? ResponseBody { get; }

    /// <summary>The local file the failure concerns.</summary>
    public string? FilePath { get; }

    /// <summary>True for failures worth another attempt (network, timeouts, 408/429/500/502/503/504).</summary>
    public bool IsTransient { get; }

    /// <summary>How long the server asked to wait (Retry-After), when it said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The offset the server holds, from an 'Offsets do not match' answer.</summary>
    public long? ServerOffset { get; }
}
