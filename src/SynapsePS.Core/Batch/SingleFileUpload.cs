using System;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Files;

namespace SynapsePS.Batch;

/// <summary>One file uploaded as a call of one lane (<see cref="UploadBatch.OneLane"/>), for scripts and tests that hold a result per file.</summary>
public static class SingleFileUpload
{
    /// <summary>
    /// Uploads one file, resuming an interrupted upload of it when its journal and the server allow. The file takes
    /// the batch's admission: skipped when the ledger holds it unchanged, else claimed (while another call on this
    /// machine holds the claim this waits for it, reporting <see cref="UploadPhase.WaitingForAnotherRun"/>), looked
    /// up again, checked, and started once the server lets new uploads start.
    /// Throws <see cref="SynapseClientException"/> for every failure, <see cref="OperationCanceledException"/> when
    /// cancelled (the journal then stays, so the next call resumes). When the call's time budget kept the file from
    /// starting or cut its upload (journal kept), TimeBudgetReached about this file;
    /// <see cref="SynapseUploadClient.TimeBudgetReached"/> tells of the whole call once it is over.
    /// </summary>
    public static async Task<UploadResult> UploadFileAsync(this SynapseUploadClient client, string path,
        IProgress<UploadProgress>? progress = null, IUploadLog? log = null, CancellationToken cancellationToken = default)
    {
        if (client is null) throw new ArgumentNullException(nameof(client));
        if (path is null) throw new ArgumentNullException(nameof(path));
        string fullName;
        try
        {
            fullName = LocalFile.FullPath(path);
        }
        catch (SynapseClientException ex)
        {
            throw ex.WithFile(path);
        }
        catch (Exception ex)
        {
            throw Failures.Unexpected(ex, path);
        }

        BatchUploadResult? settled = null;
        var call = UploadBatch.OneLane(client, log, result => settled = result, progress, cancellationToken);
        try
        {
            await call.SubmitAsync(fullName).ConfigureAwait(false);
            await call.WhenIdleAsync().ConfigureAwait(false);
        }
        catch (SynapseClientException ex) when (ex.Kind == SynapseErrorKind.TimeBudgetReached)
        {
            // The whole call's budget end: this file's own outcome is told below.
        }
        if (settled?.Upload is { } done) return done;
        if (settled?.Error is { } error) throw error;
        cancellationToken.ThrowIfCancellationRequested();
        // Not settled and not cancelled: the time budget kept the file from starting, or cut it.
        throw TimeBudget.Stopped(path, started: call.FilesStarted > 0);
    }
}
