using System;
using System.Threading;
using System.Threading.Tasks;
using SynapsePS.Connections;
using SynapsePS.Files;
using SynapsePS.Resilience;
using SynapsePS.Resume;
using SynapsePS.Upload;

namespace SynapsePS.Batch;

// The admission's last step: the upload of a file that passed every check, on the call's protocol, under its claim.
public sealed partial class UploadBatch
{
    /// <summary>
    /// Runs the upload of a file that passed the checks and is open (<see cref="LocalFile.TryOpen"/>) under its claim
    /// (<paramref name="records"/>); closes the file when done. Throws <see cref="SynapseClientException"/> for every
    /// failure, <see cref="OperationCanceledException"/> when stopped.
    /// </summary>
    private async Task<UploadResult> UploadAsync(LocalFile file, FileRecords records, IProgress<UploadProgress> progress,
        CancellationToken cancellationToken)
    {
        using (file)
        {
            try
            {
                ConnectionRules.WarnOnFirstUse(_client.Connection, _log);
                using var paused = _client.UploadsInFlight.Track();
                var run = new FileUploadRun(_client.Protocol, records.ResumePointFor(file), _client.Connection.BaseUrl,
                    _client.Options, file, progress, new OperationStats(_log));
                return await run.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SynapseClientException ex)
            {
                throw ex.WithFile(file.FullName);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                throw Failures.Unexpected(ex, file.FullName);
            }
        }
    }
}
