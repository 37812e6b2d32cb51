namespace SynapsePS.Resume;

/// <summary>
/// A record kept per (server, local file): the fields <see cref="KeyedRecordStore{T}"/> needs to check that a file it
/// reads is a current-version record of the key it was filed under.
/// </summary>
internal interface IKeyedRecord
{
    int Version { get; }
    string BaseUrl { get; }
    string FullName { get; }
}
