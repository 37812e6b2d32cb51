using System;
using System.Net;
using System.Net.Http;
using System.Security.Authentication;

namespace SynapsePS.Protocol;

/// <summary>What an HTTP answer of the chunked-upload protocol means: its failure kind. What follows it is FailureClassifier's.</summary>
internal static class ErrorClassification
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

    /// <summary>A proxy refused to open a tunnel (https through a proxy) with 407: its credential is missing or wrong.</summary>
    public static bool IsProxyAuthenticationRefusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is HttpRequestException request && StatusOf(request) == HttpStatusCode.ProxyAuthenticationRequired) return true;
            // .NET Framework reports the refused tunnel as a WebException carrying the proxy's answer.
            if (ex is WebException { Response: HttpWebResponse { StatusCode: HttpStatusCode.ProxyAuthenticationRequired } }) return true;
        }
        return false;
    }

    /// <summary>The TLS handshake failed: a certificate was refused, on either side. Retrying cannot mend it.</summary>
    public static bool IsTlsRefusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is AuthenticationException) return true;
        return false;
    }

    /// <summary>The peer closed the connection (no answer, or an answer cut short).</summary>
    public static bool IsConnectionClosed(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is System.IO.IOException) return true;
        return false;
    }

    private static HttpStatusCode? StatusOf(HttpRequestException ex)
    {
#if NET8_0_OR_GREATER
        return ex.StatusCode;
#else
        // netstandard2.0 has no HttpRequestException.StatusCode; the .NET (Core) runtime that loads this build does.
        return ex.GetType().GetProperty("StatusCode")?.GetValue(ex) as HttpStatusCode?;
#endif
    }

    private static bool Mentions(string? text, string what) =>
        text is not null && text.IndexOf(what, StringComparison.OrdinalIgnoreCase) >= 0;
}
