using System.Management.Automation;
using System.Threading.Tasks;
using SynapsePS.Hosting;
using SynapsePS.Resilience;
using SynapsePS.Upload;

namespace SynapsePS.Commands;

/// <summary>Uploads files one after another in resumable, MD5-verified chunks; one result per file as it completes.</summary>
[Cmdlet(VerbsCommunications.Send, "SynapseChunkedUpload", DefaultParameterSetName = PathSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(UploadResult))]
public sealed class SendSynapseChunkedUploadCommand : UploadCommandBase
{
    private const int ProgressId = 1;

    private int _uploaded;
    private int _failed;

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
                _uploaded++;
            }
            catch (SynapseClientException ex) when (ex.Kind == SynapseErrorKind.TimeBudgetReached)
            {
                // Not started or cut by the time budget: one warning at the call's end tells of every such file.
            }
            catch (SynapseClientException ex)
            {
                if (!FailureClassifier.EndsTheCall(ex)) _failed++;
                ReportFailure(ex, path);
            }
        }
    }

    protected override void EndProcessing()
    {
        if (ClientIfBuilt?.TimeBudgetReached() is { } reached) ReportFailure(reached, null);
    }

    private UploadResult Upload(string path)
    {
        var client = Client;
        using var pump = new PipelinePump();
        var progress = ShowProgress ? new LatestProgress() : null;
        var view = new ProgressView(this, ProgressId);
        var log = new PumpLog(pump, this);
        // The status line reads the progress too, so it is collected when either is wanted.
        var watched = progress ?? (StatusInterval is null ? null : new LatestProgress());
        using var status = NewStatusReport(client, pump, () => StatusLine(watched?.Latest));
        var work = Task.Run(() => client.UploadFileAsync(path, watched, log, Cancellation));
        try
        {
            return Await(work, pump, () =>
            {
                if (progress is not null) view.Render(progress.Latest, client.IsWaitingForServer);
                status.Tick();
            });
        }
        finally
        {
            view.Complete();
        }
    }

    /// <summary>"03:12:05 2 files uploaded, 0 failed, 1 in flight: big.iso 3.1 GiB of 50.0 GiB at 41.2 MiB/s".</summary>
    private string StatusLine(UploadProgress? now)
    {
        var line = $"{System.DateTime.Now:HH:mm:ss} {_uploaded} {(_uploaded == 1 ? "file" : "files")} uploaded, {_failed} failed, 1 in flight";
        if (now is null) return line;
        line += $": {System.IO.Path.GetFileName(now.FullName)} {Units.Bytes(now.BytesDone)} of {Units.Bytes(now.TotalBytes)} at {Units.Bytes((long)now.BytesPerSecond)}/s";
        return Client.IsWaitingForServer ? line + ", waiting for the server" : line;
    }
}
