using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Resilience;

/// <summary>
/// The call's one pause, shared by every request of the call (<see cref="ServerGate"/> behind it). The protocol
/// awaits <see cref="BeforeAttemptAsync"/> before each attempt and reports answers; the retry pipeline awaits
/// <see cref="WaitAsync"/> when <see cref="FailureClassifier"/> answers <see cref="FailureAction.WaitForServer"/>,
/// then sends the request again without spending one of its retries.
/// </summary>
internal interface IServerWait
{
    /// <summary>Completes when a request may be sent; throws the call's end (a SynapseClientException) once it has ended.</summary>
    Task BeforeAttemptAsync(CancellationToken cancellationToken);

    /// <summary>The server answered a request (<see cref="FailureClassifier.ServerAnswered"/>, or a success).</summary>
    void Answered();

    /// <summary>A request reached the server, which dropped it (<see cref="FailureClassifier.ServerWasReached"/>).</summary>
    void Reached();

    /// <summary>Completes when the server may be asked again; throws (a SynapseClientException) when the request must fail instead.</summary>
    ValueTask WaitAsync(SynapseClientException failure, CancellationToken cancellationToken);

    /// <summary>The classifier ended the call: from now on no request of the call is sent and every waiter fails with this.</summary>
    void EndCall(SynapseClientException failure);
}
