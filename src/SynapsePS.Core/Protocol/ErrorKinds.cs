using System;

namespace SynapsePS.Protocol;

/// <summary>What an HTTP answer of the chunked-upload protocol means: its failure kind. What follows a failure is FailureClassifier's to say.</summary>
internal static class ErrorKinds
{
    public static SynapseErrorKind KindForStatus(int status, string? detail) => status switch
    {
        // drf-chunked-upload's "checksum does not match"; not its "Checksum of type 'md5' is required".
        400 when Mentions(detail, "checksum") && Mentions(detail, "not match") => SynapseErrorKind.ChecksumMismatch,
        400 when Mentions(detail, "Offsets do not match") => SynapseErrorKind.OffsetMismatch,
        400 => SynapseErrorKind.ServerRejectedRequest,
        401 => SynapseErrorKind.AuthenticationFailed,
        403 => SynapseErrorKind.AccessDenied,
        404 => SynapseErrorKind.UploadNotFound,
        407 => SynapseErrorKind.ProxyAuthenticationRequired,
        408 => SynapseErrorKind.RequestTimedOut,
        410 => SynapseErrorKind.UploadExpired,
        413 => SynapseErrorKind.FileTooLarge,
        429 => SynapseErrorKind.ServerThrottled,
        507 => SynapseErrorKind.InsufficientStorage,
        >= 500 => SynapseErrorKind.ServerError,
        _ => SynapseErrorKind.UnexpectedResponse,
    };

    private static bool Mentions(string? text, string what) =>
        text is not null && text.IndexOf(what, StringComparison.OrdinalIgnoreCase) >= 0;
}
