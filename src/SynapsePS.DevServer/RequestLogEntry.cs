namespace SynapsePS.DevServer;

/// <summary>
/// One request as the server saw it (GET /_dev/requests). Status 0: the connection was cut (a fault, or the
/// client went away). Host is the Host header; ClientCertificate the subject of the TLS client certificate.
/// </summary>
public sealed record RequestLogEntry(DateTimeOffset ReceivedAt, DateTimeOffset CompletedAt, string Method, string Path,
    string? ContentRange, string? ContentType, long? ContentLength, int Status, string? Fault, string? UploadId, string ConnectionId,
    string? Host, string? ClientCertificate);
