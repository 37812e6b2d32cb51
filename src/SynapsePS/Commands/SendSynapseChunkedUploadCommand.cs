using System.Management.Automation;
using System.Threading.Tasks;
using SynapsePS.Hosting;
using SynapsePS.Upload;

namespace SynapsePS.Commands;

/// <summary>Uploads files one after another in resumable, MD5-verified chunks; one result per file as it completes.</summary>
[Cmdlet(VerbsCommunications.Send, "SynapseChunkedUpload", DefaultParameterSetName = PathSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(UploadResult))]
public sealed class SendSynapseChunkedUploadCommand : UploadCommandBase
{
    private const int ProgressId = 1;

    protected override void ProcessRecord()
    {
        foreach (var (path, error) in FileSystemPaths.Resolve(this, Paths, IsLiteral))
        {
            if (error is not null)
            {
                WriteError(error);
                continue;
            }
            if (!ShouldProcess(path!, $"Upload to {TargetDescription}")) continue;

            try
            {
                WriteObject(Upload(path!));
            }
            catch (SynapseClientException ex)
            {
                ReportFailure(ex, path);
            }
        }
    }

    private UploadResult Upload(string path)
    {
        var client = Client;
        using var pump = new PipelinePump();
        var progress = ShowProgress ? new LatestProgress() : null;
        var view = new ProgressView(this, ProgressId);
        var log = new PumpLog(pump, this);
        var work = Task.Run(() => client.UploadFileAsync(path, progress, log, Cancellation));
        try
        {
            return Await(work, pump, progress is null ? null : () => view.Render(progress.Latest));
        }
        finally
        {
            view.Complete();
        }
    }
}
