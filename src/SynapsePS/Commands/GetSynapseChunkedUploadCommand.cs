using System;
using System.Management.Automation;
using System.Threading.Tasks;
using SynapsePS.Hosting;

namespace SynapsePS.Commands;

/// <summary>
/// Reads the server's own records of chunked uploads for the connection's token: by id, by url, or all of them.
/// Read-only: it never changes an upload, so it has no -WhatIf.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SynapseChunkedUpload", DefaultParameterSetName = ListSet)]
[OutputType(typeof(ChunkedUploadRecord))]
public sealed class GetSynapseChunkedUploadCommand : SynapseCommandBase
{
    private const string ListSet = "List";
    private const string IdSet = "Id";
    private const string UrlSet = "Url";

    /// <summary>Upload ids; Send-SynapseChunkedUpload and Invoke-SynapseBatchUpload results bind here by their Id.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    [AllowEmptyCollection]   // a failed batch result has no id: nothing to read for it
    public string?[] Id { get; set; } = Array.Empty<string>();

    /// <summary>Upload urls, under the connection's base URL.</summary>
    [Parameter(Mandatory = true, ParameterSetName = UrlSet)]
    [ValidateNotNullOrEmpty]
    public Uri[] Url { get; set; } = Array.Empty<Uri>();

    /// <summary>Only records with this status.</summary>
    [Parameter]
    [ValidateSet(ChunkedUploadRecord.IncompleteStatus, ChunkedUploadRecord.CompleteStatus)]
    public string? Status { get; set; }

    [Parameter]
    public SynapseConnection? Connection { get; set; }

    private SynapseUploadClient Client => ClientFor(Connection, static () => new UploadOptions());

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case IdSet:
                foreach (var id in Id ?? Array.Empty<string>())   // a piped $null binds as no array at all
                {
                    if (!string.IsNullOrEmpty(id)) Read(id!, (client, log) => client.GetRecordAsync(id!, log, Cancellation));
                }
                break;
            case UrlSet:
                foreach (var url in Url) Read(url, (client, log) => client.GetRecordAsync(url, log, Cancellation));
                break;
            default:
                Run(Client.Connection.BaseUrl, (client, pump, log) => client.ListRecordsAsync(r => pump.Post(() => Emit(r)), log, Cancellation));
                break;
        }
    }

    private void Read(object target, Func<SynapseUploadClient, IUploadLog, Task<ChunkedUploadRecord>> read)
    {
        ChunkedUploadRecord? record = null;
        Run(target, async (client, _, log) => record = await read(client, log).ConfigureAwait(false));
        if (record is not null) Emit(record);
    }

    /// <summary>Runs one read on a worker while the pipeline thread writes what it posts; a failure is reported against <paramref name="target"/>.</summary>
    private void Run(object target, Func<SynapseUploadClient, PipelinePump, IUploadLog, Task> read)
    {
        var client = Client;
        using var pump = new PipelinePump();
        var log = new PumpLog(pump, this);
        try
        {
            Await(Task.Run(() => read(client, pump, log)), pump);
        }
        catch (SynapseClientException ex)
        {
            ReportFailure(ex, target);
        }
    }

    private void Emit(ChunkedUploadRecord record)
    {
        if (Status is null || string.Equals(record.Status, Status, StringComparison.OrdinalIgnoreCase)) WriteObject(record);
    }
}
