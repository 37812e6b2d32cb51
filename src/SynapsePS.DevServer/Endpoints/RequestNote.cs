namespace SynapsePS.DevServer.Endpoints;

/// <summary>What the log should say about a request, filled in while handling it.</summary>
internal sealed class RequestNote
{
    public string? Fault { get; set; }
    public string? UploadId { get; set; }
    public bool Aborted { get; set; }
}
