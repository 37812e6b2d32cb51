using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Resilience;

/// <summary>
/// Where a request waits when <see cref="FailureClassifier"/> answers <see cref="FailureAction.WaitForServer"/>: one
/// pause shared by every request of the call. The retry pipeline awaits it, then sends the request again without
/// spending one of its retries.
/// </summary>
internal interface IServerWait
{
    /// <summary>Completes when the server may be asked again; throws (a SynapseClientException) when the call must end instead.</summary>
    ValueTask WaitAsync(SynapseClientException failure, CancellationToken cancellationToken);
}
