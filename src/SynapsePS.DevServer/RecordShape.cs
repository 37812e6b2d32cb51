namespace SynapsePS.DevServer;

/// <summary>Which backend's upload records the server imitates.</summary>
public enum RecordShape
{
    /// <summary>drf-chunked-upload 0.6: UUID ids, integer status, the user's pk.</summary>
    Drf,

    /// <summary>The Synapse backend: integer ids, and the finish reply also carries <c>checksum</c> and <c>size</c>.</summary>
    Synapse,
}
