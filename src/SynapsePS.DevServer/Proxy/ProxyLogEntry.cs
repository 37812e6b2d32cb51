namespace SynapsePS.DevServer.Proxy;

/// <summary>
/// One request the forward proxy answered (GET /_proxy/log). Target is the host:port the client asked for;
/// Path the path of a plain-HTTP request (null for CONNECT); Status what the client got (the server's status,
/// 200 for an open tunnel, 407, 502); AuthGiven whether a Proxy-Authorization header came; ForwardedTo the
/// loopback address:port contacted, null when nothing was.
/// </summary>
public sealed record ProxyLogEntry(DateTimeOffset ReceivedAt, string Method, string Target, string? Path, int Status,
    bool AuthGiven, string? ForwardedTo);
