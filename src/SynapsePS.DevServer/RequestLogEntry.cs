namespace SynapsePS.DevServer;

/// <summary>
/// One request as the server saw it (GET /_dev/requests). Number counts requests in the order they arrived (1, 2,
/// ...; the log itself is in the order they were answered); ReceivedAt is when its head had arrived. Status 0: the
/// connection was cut (a fault, or the client went away). Fault names an injected fault ("refuse-507" for a
/// refusal window). Host is the Host header; ClientCertificate the subject of the TLS client certificate.
/// </summary>
public sealed record RequestLogEntry(long Number, DateTimeOffset ReceivedAt, DateTimeOffset CompletedAt, string Method, string Path,
    string? ContentRange, string? ContentType, long? ContentLength, int Status, string? Fault, string? UploadId, string ConnectionId,
    string? Host, string? ClientCertificate);
