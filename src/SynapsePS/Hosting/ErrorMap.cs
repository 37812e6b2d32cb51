using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace SynapsePS.Hosting;

/// <summary>
/// The one table from failure kind to ErrorRecord category. The ErrorId is the kind's name (stable; documented
/// in docs/error-ids.md); the target object is the file; the exception keeps the HTTP status.
/// </summary>
internal static class ErrorMap
{
    private static readonly Dictionary<SynapseErrorKind, ErrorCategory> s_categories = new()
    {
        [SynapseErrorKind.PathNotFound] = ErrorCategory.ObjectNotFound,
        [SynapseErrorKind.NotAFile] = ErrorCategory.InvalidArgument,
        [SynapseErrorKind.EmptyFile] = ErrorCategory.InvalidData,
        [SynapseErrorKind.FileUnreadable] = ErrorCategory.ReadError,
        [SynapseErrorKind.FileChangedDuringUpload] = ErrorCategory.InvalidData,
        [SynapseErrorKind.InvalidConnection] = ErrorCategory.InvalidArgument,
        [SynapseErrorKind.ConnectionNotConfigured] = ErrorCategory.InvalidOperation,
        [SynapseErrorKind.UnsupportedProvider] = ErrorCategory.InvalidArgument,
        [SynapseErrorKind.HashAlgorithmUnavailable] = ErrorCategory.NotEnabled,
        [SynapseErrorKind.ServerRejectedRequest] = ErrorCategory.InvalidOperation,
        [SynapseErrorKind.ChecksumMismatch] = ErrorCategory.InvalidResult,
        [SynapseErrorKind.OffsetMismatch] = ErrorCategory.ProtocolError,
        [SynapseErrorKind.AuthenticationFailed] = ErrorCategory.PermissionDenied,
        [SynapseErrorKind.AccessDenied] = ErrorCategory.PermissionDenied,
        [SynapseErrorKind.UploadNotFound] = ErrorCategory.ObjectNotFound,
        [SynapseErrorKind.UploadExpired] = ErrorCategory.ResourceUnavailable,
        [SynapseErrorKind.FileTooLarge] = ErrorCategory.LimitsExceeded,
        [SynapseErrorKind.ServerThrottled] = ErrorCategory.ResourceUnavailable,
        [SynapseErrorKind.ServerError] = ErrorCategory.ResourceUnavailable,
        [SynapseErrorKind.InsufficientStorage] = ErrorCategory.QuotaExceeded,
        [SynapseErrorKind.UnexpectedResponse] = ErrorCategory.ProtocolError,
        [SynapseErrorKind.ConnectionFailed] = ErrorCategory.ConnectionError,
        [SynapseErrorKind.RequestTimedOut] = ErrorCategory.OperationTimeout,
        [SynapseErrorKind.UnexpectedError] = ErrorCategory.NotSpecified,
        [SynapseErrorKind.UrlNotUnderBaseUrl] = ErrorCategory.InvalidArgument,
        [SynapseErrorKind.CertificateRejected] = ErrorCategory.SecurityError,
        [SynapseErrorKind.ProxyAuthenticationRequired] = ErrorCategory.PermissionDenied,
        [SynapseErrorKind.ServerUnavailable] = ErrorCategory.ResourceUnavailable,
        [SynapseErrorKind.TooManyFailures] = ErrorCategory.LimitsExceeded,
        [SynapseErrorKind.FolderUnreadable] = ErrorCategory.ReadError,
        [SynapseErrorKind.TimeBudgetReached] = ErrorCategory.OperationStopped,
    };

    public static ErrorCategory CategoryOf(SynapseErrorKind kind) =>
        s_categories.TryGetValue(kind, out var category) ? category : ErrorCategory.NotSpecified;

    public static ErrorRecord ToRecord(SynapseClientException ex, object? target = null) =>
        new(ex, ex.ErrorId, CategoryOf(ex.Kind), target ?? ex.FilePath);

    /// <summary>A folder below a -Recurse path that could not be listed; the walk went on without it.</summary>
    public static ErrorRecord FolderUnreadable(string folder, Exception error) => ToRecord(SynapseErrorKind.FolderUnreadable,
        $"The folder '{folder}' could not be read, so its files were not uploaded: {error.Message}", folder);

    public static ErrorRecord ToRecord(SynapseErrorKind kind, string message, object? target) =>
        ToRecord(new SynapseClientException(kind, message, filePath: target as string), target);
}
