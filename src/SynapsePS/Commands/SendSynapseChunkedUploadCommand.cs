using System.Management.Automation;
using System.Threading.Tasks;
using SynapsePS.Batch;
using SynapsePS.Hosting;
using SynapsePS.Upload;

namespace SynapsePS.Commands;

/// <summary>
/// Uploads files one after another in resumable, MD5-verified chunks; one result per file as it completes. The call
/// is the engine's <see cref="UploadBatch"/> with one lane (<see cref="UploadBatch.OneLane"/>), which waits for a file
/// another run on this machine holds; this cmdlet binds, submits each file and awaits it, writes its result and
/// draws its progress.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "SynapseChunkedUpload", DefaultParameterSetName = PathSet,
    SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(UploadResult))]
public sealed class SendSynapseChunkedUploadCommand : UploadCommandBase
{
    private const int ProgressId = 1;

    private readonly PipelinePump _pump = new();
    private readonly LatestProgress _progress = new();
    private UploadBatch? _call;
    private ProgressView? _view;
    private StatusReport? _status;

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
            // Awaiting the submission and then the lane's end keeps Send one file at a time, results in input order.
            var call = _call ??= StartCall();
            Submit(call.SubmitAsync(path!));
            Submit(call.WhenIdleAsync(), final: false);
            _view?.Complete();
        }
    }

    protected override void EndProcessing()
    {
        if (_call is not null) Submit(_call.WhenIdleAsync());
        _status?.Dispose();
    }

    private UploadBatch StartCall()
    {
        var client = Client;
        if (ShowProgress) _view = new ProgressView(this, ProgressId);
        var call = UploadBatch.OneLane(client, new PumpLog(_pump, this), result => _pump.Post(() => Write(result)), _progress, Cancellation);
        _status = NewStatusReport(client, _pump, call.StatusLine);
        return call;
    }

    /// <summary>
    /// Waits for the engine on the pipeline thread; the call's end, if it came, is reported here. Before the last
    /// file is in, the time budget's end waits: it is told once, when the input ends.
    /// </summary>
    private void Submit(Task work, bool final = true)
    {
        try
        {
            Await(work, _pump, () =>
            {
                _view?.Render(_progress.Latest, _call!.IsWaitingForServer);
                _status?.Tick();
            });
        }
        catch (SynapseClientException ex) when (final || ex.Kind != SynapseErrorKind.TimeBudgetReached)
        {
            ReportFailure(ex, null);
        }
        catch (SynapseClientException)
        {
        }
    }

    /// <summary>On the pipeline thread: a settled file's result, or its failure.</summary>
    private void Write(BatchUploadResult result)
    {
        if (result.Upload is not null) WriteObject(result.Upload);
        else if (result.Error is not null) ReportFailure(result.Error, result.FullName);
    }
}
