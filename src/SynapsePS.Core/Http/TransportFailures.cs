using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;

namespace SynapsePS.Http;

/// <summary>What a failed exchange's exception says happened on the way: a refused tunnel, a refused handshake, a closed connection.</summary>
internal static class TransportFailures
{
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

    /// <summary>The TLS handshake failed: a certificate was refused, on either side.</summary>
    public static bool IsTlsRefusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is AuthenticationException) return true;
        return false;
    }

    /// <summary>The peer closed the connection (no answer, or an answer cut short).</summary>
    /// <summary>Whether the exchange failed after the reply's headers arrived, while its body was held back.</summary>
    public static bool IsReplyHeldBack(Exception? ex) => ex is ReplyHeldBackException;

    public static bool IsConnectionClosed(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is System.IO.IOException) return true;
        return false;
    }

    /// <summary>
    /// The request went out on a connection the server had accepted, and the server then closed it without a whole
    /// answer (it stopped mid-exchange): the server was there. A refused or unresolvable connection, a refused tunnel
    /// or handshake is not this; neither is anything on .NET Framework, which does not say which it was.
    /// </summary>
    public static bool IsCutOffAfterConnecting(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is HttpRequestException request)
            {
                switch (RequestErrorOf(request))
                {
                    case "ResponseEnded": return true;
                    case "ConnectionError" or "NameResolutionError" or "ProxyTunnelError" or "SecureConnectionError": return false;
                }
            }
            // A reset, an abort or a broken pipe (the server closed while the body was still going out) can only
            // come on an established connection: a connect that fails is refused or times out.
            if (ex is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown })
                return true;
        }
        return false;
    }

    private static string? RequestErrorOf(HttpRequestException ex)
    {
#if NET8_0_OR_GREATER
        return ex.HttpRequestError.ToString();
#else
        // The .NET (8+) runtime that loads this build in PowerShell 7 has the property; .NET Framework has not.
        return ex.GetType().GetProperty("HttpRequestError")?.GetValue(ex)?.ToString();
#endif
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
}

/// <summary>A reply whose headers arrived and whose body then stalled, dripped or broke off: the server was there.</summary>
internal sealed class ReplyHeldBackException : IOException
{
    public ReplyHeldBackException(Exception inner) : base("The reply's headers arrived, its body did not arrive whole.", inner)
    {
    }
}
