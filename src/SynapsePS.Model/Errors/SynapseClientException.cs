using System;

namespace SynapsePS;

/// <summary>
/// The one exception type the library throws for a failed upload. Like the Python SDK's
/// <c>ClientError.status_code</c>, the HTTP status stays reachable as <see cref="StatusCode"/>.
/// </summary>
public sealed class SynapseClientException : Exception
{
    public SynapseClientException(SynapseErrorKind kind, string message, int? statusCode = null,
        string? detail = null, string? responseBody = null, string? filePath = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        StatusCode = statusCode;
        Detail = detail;
        ResponseBody = responseBody;
        FilePath = filePath;
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

    /// <summary>Seconds the server asked to wait (Retry-After), when it said.</summary>
    public TimeSpan? RetryAfter { get; internal set; }

    /// <summary>The server's offset from an 'Offsets do not match' answer.</summary>
    internal long? ExpectedOffset { get; set; }

    /// <summary>True for failures worth another attempt (network, timeouts, 408/429/5xx).</summary>
    public bool IsTransient { get; internal set; }

    internal SynapseClientException WithFile(string path) =>
        FilePath is not null ? this
            : new SynapseClientException(Kind, Message, StatusCode, Detail, ResponseBody, path, InnerException)
            { RetryAfter = RetryAfter, IsTransient = IsTransient, ExpectedOffset = ExpectedOffset };

    internal static bool IsTransientStatus(int status) =>
        status is 408 or 429 or 500 or 502 or 503 or 504;

    internal static SynapseErrorKind KindForStatus(int status, string? detail) => status switch
    {
        400 when detail is not null && detail.IndexOf("checksum", StringComparison.OrdinalIgnoreCase) >= 0
            => SynapseErrorKind.ChecksumMismatch,
        400 when detail is not null && detail.IndexOf("Offsets do not match", StringComparison.OrdinalIgnoreCase) >= 0
            => SynapseErrorKind.OffsetMismatch,
        400 => SynapseErrorKind.ServerRejectedRequest,
        401 => SynapseErrorKind.AuthenticationFailed,
        403 => SynapseErrorKind.AccessDenied,
        404 => SynapseErrorKind.UploadNotFound,
        408 => SynapseErrorKind.RequestTimedOut,
        410 => SynapseErrorKind.UploadExpired,
        413 => SynapseErrorKind.FileTooLarge,
        429 => SynapseErrorKind.ServerThrottled,
        507 => SynapseErrorKind.InsufficientStorage,
        >= 500 => SynapseErrorKind.ServerError,
        _ => SynapseErrorKind.UnexpectedResponse,
    };
}
