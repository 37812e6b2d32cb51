namespace SynapsePS;

/// <summary>Verbose lines and warnings from the engine; the cmdlets forward them to their streams. Must be thread-safe.</summary>
public interface IUploadLog
{
    void Verbose(string message);
    void Warning(string message);
}
