namespace SynapsePS.Batch;

/// <summary>A file that passed the checks and was not skipped: it needs a lane to upload.</summary>
public sealed class AdmittedFile
{
    internal AdmittedFile(string fullName, long length)
    {
        FullName = fullName;
        Length = length;
    }

    public string FullName { get; }
    public long Length { get; }
}
