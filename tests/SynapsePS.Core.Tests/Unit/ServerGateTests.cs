using SynapsePS.Resilience;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>
/// The waiting logic of the outage gate on a fake clock: the probes it sends, when it opens and when it gives up,
/// without sleeping. The clock moves only while the gate's round (its probes, or a Retry-After's wait) sleeps on it,
/// has ended, or waits on a probe the test holds, so every probe goes at the second it is due.
/// </summary>
public sealed class ServerGateTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 3, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);   // a bound for a thread hand-off, never reached

    private readonly ParkingClock _time = new(Start);
    private readonly List<TimeSpan> _probedAt = new();
    private Func<Task<bool>> _answer = () => Task.FromResult(false);
    private ServerGate? _gate;
    private Task _heldProbe = Task.CompletedTask;

    private ServerGate NewGate(TimeSpan? limit = null) =>
        _gate = new("https://synapse.test", limit ?? Limit, _ =>
        {
            lock (_probedAt) _probedAt.Add(_time.GetUtcNow() - Start);
            var answer = _answer();
            if (!answer.IsCompleted) _heldProbe = answer;
            return answer;
        }, _time);

    private static SynapseClientException Refused() =>
        new(SynapseErrorKind.ConnectionFailed, "Connection refused (synapse.test:443).", isTransient: true);

    // What a request or probe meets when the server takes it and closes the connection without answering.
    private static SynapseClientException Dropped() =>
        new(SynapseErrorKind.ConnectionFailed, "The connection to https://synapse.test failed: Connection reset by peer.", isTransient: true,
            inner: new System.IO.IOException("Unable to read data from the transport connection.",
                new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset)));

    private static SynapseClientException Answered(int status) =>
        new(SynapseErrorKind.ServerError, $"The server answered HTTP {status}.", statusCode: status, isTransient: true);

    private void AdvanceBySeconds(int seconds)
    {
        // One second at a time, so every timer fires at the second it is due.
        for (var i = 0; i < seconds; i++)
        {
            UntilTheRoundSleeps();
            _time.Advance(TimeSpan.FromSeconds(1));
        }
        UntilTheRoundSleeps();
    }

    // The gate's round runs on the pool: the clock may move once it sleeps on it again, has ended, or waits on a probe held here.
    private void UntilTheRoundSleeps() =>
        Assert.True(SpinWait.SpinUntil(() => _gate is null || _gate.Round.IsCompleted || _time.Sleeping > 0 || !_heldProbe.IsCompleted, Settle),
            "the gate's round neither slept on the clock nor ended");

    [Fact]
    public void A_server_that_never_answered_fails_as_today_without_waiting()
    {
        using var gate = NewGate();
        var began = 0;
        gate.OutageBegan += (_, _) => began++;

        var decision = gate.ReportServerGone(Refused());
        AdvanceBySeconds(120);

        Assert.Equal(OutageDecision.FailAsToday, decision);
        Assert.Equal(ServerGateState.Open, gate.Snapshot().State);
        Assert.True(gate.WaitUntilOpenAsync(CancellationToken.None).IsCompleted);
        Assert.Empty(_probedAt);
        Assert.Equal(0, began);
    }

    [Fact]
    public void A_server_that_took_a_request_and_dropped_it_is_an_outage_though_it_never_answered()
    {
        // Stopped while the call's first requests were in flight: no answer came, but the address is right.
        using var gate = NewGate();
        var began = 0;
        gate.OutageBegan += (_, _) => began++;

        gate.Report(Dropped());
        var decision = gate.ReportServerGone(Refused());

        Assert.Equal(OutageDecision.WaitForServer, decision);
        Assert.Equal(ServerGateState.WaitingForServer, gate.Snapshot().State);
        Assert.Equal(Start, gate.Snapshot().LastAnswer);
        Assert.Equal(1, began);
    }

    [Fact]
    public async Task A_server_that_never_answered_and_drops_the_probe_too_refuses_the_call_and_is_not_waited_for()
    {
        // A TLS server that asks for a client certificate the handler cannot see it asking for hangs up on every
        // request, the probe's too: it is there, so this is no wrong address, but no outage either.
        using var gate = NewGate();
        var ended = new List<OutageEndedEventArgs>();
        gate.OutageEnded += (_, e) => ended.Add(e);
        _answer = () => Task.FromException<bool>(Dropped());
        gate.Report(Dropped());
        Assert.Equal(OutageDecision.WaitForServer, gate.ReportServerGone(Dropped()));
        var waiter = gate.WaitUntilOpenAsync(CancellationToken.None);

        AdvanceBySeconds(2);

        await waiter.WaitAsync(Settle);   // the waiter sends once more ...
        gate.Report(Dropped());
        Assert.Equal(OutageDecision.FailAsToday, gate.ReportServerGone(Dropped()));   // ... and fails as it would have
        Assert.Equal(ServerGateState.Open, gate.Snapshot().State);
        Assert.Equal(new[] { TimeSpan.FromSeconds(2) }, _probedAt);
        var e = Assert.Single(ended);
        Assert.True(e.RefusesTheCall);
        Assert.Contains("refuses this call", OutageMessages.Ended(e));
    }

    [Fact]
    public void A_server_that_answered_once_and_then_drops_the_probe_is_waited_for()
    {
        using var gate = NewGate();
        _answer = () => Task.FromException<bool>(Dropped());
        gate.ReportAnswered();
        gate.ReportServerGone(Dropped());

        AdvanceBySeconds(30);

        Assert.Equal(ServerGateState.WaitingForServer, gate.Snapshot().State);
        Assert.Equal(new[] { 2, 6, 14, 30 }.Select(s => TimeSpan.FromSeconds(s)), _probedAt);
    }

    [Fact]
    public void A_dropped_request_neither_ends_an_outage_nor_restarts_its_clock()
    {
        using var gate = NewGate();
        gate.ReportAnswered();
        Assert.Equal(OutageDecision.WaitForServer, gate.ReportServerGone(Refused()));
        _time.Advance(TimeSpan.FromMilliseconds(500));

        gate.Report(Dropped());

        Assert.Equal(ServerGateState.WaitingForServer, gate.Snapshot().State);
        Assert.Equal(Start, gate.Snapshot().LastAnswer);
    }

    [Fact]
    public void A_gateway_error_before_the_server_ever_answered_fails_as_today()
    {
        // A proxy answers 502 for a name it cannot resolve: that is a wrong address, not an outage.
        using var gate = NewGate();

        Assert.Equal(OutageDecision.FailAsToday, gate.ReportServerGone(Answered(502)));
        Assert.Equal(ServerGateState.Open, gate.Snapshot().State);
    }

    [Fact]
    public void A_Retry_After_is_an_answer_so_a_later_outage_waits()
    {
        using var gate = NewGate();
        gate.HoldFor(TimeSpan.FromSeconds(1), Answered(429));
        AdvanceBySeconds(1);

        Assert.Equal(OutageDecision.WaitForServer, gate.ReportServerGone(Refused()));
    }

    [Fact]
    public void A_failure_after_an_answer_holds_every_request_and_says_so_once()
    {
        using var gate = NewGate();
        using var first = gate.Uploads.Track();
        using var second = gate.Uploads.Track();
        var began = new List<OutageBeganEventArgs>();
        gate.OutageBegan += (_, e) => began.Add(e);
        gate.ReportAnswered();
        _time.Advance(TimeSpan.FromSeconds(30));

        var decision = gate.ReportServerGone(Refused());
        var otherLane = gate.ReportServerGone(Refused());

        Assert.Equal(OutageDecision.WaitForServer, decision);
        Assert.Equal(OutageDecision.WaitForServer, otherLane);
        Assert.False(gate.WaitUntilOpenAsync(CancellationToken.None).IsCompleted);
        var e = Assert.Single(began);
        Assert.Equal(Start, e.LastAnswer);
        Assert.Equal(2, e.UploadsPaused);
        Assert.Equal(Limit, e.WaitingUpTo);
        Assert.Equal(SynapseErrorKind.ConnectionFailed, e.Failure.Kind);
        var snapshot = gate.Snapshot();
        Assert.True(snapshot.IsHeld);
        Assert.Equal(Start, snapshot.LastAnswer);
        Assert.Equal(SynapseErrorKind.ConnectionFailed, snapshot.LastFailure?.Kind);
    }

    [Fact]
    public void Probes_back_off_from_2_to_60_seconds()
    {
        using var gate = NewGate(TimeSpan.FromHours(1));
        gate.ReportAnswered();
        gate.ReportServerGone(Refused());

        AdvanceBySeconds(245);

        var expected = new[] { 2, 6, 14, 30, 62, 122, 182, 242 }.Select(s => TimeSpan.FromSeconds(s));
        Assert.Equal(expected, _probedAt);
        Assert.Equal(8, gate.Snapshot().Probes);
    }

    [Fact]
    public void One_probe_at_a_time_however_long_it_takes()
    {
        using var gate = NewGate();
        var pending = new TaskCompletionSource<bool>();
        _answer = () => pending.Task;
        gate.ReportAnswered();
        gate.ReportServerGone(Refused());

        AdvanceBySeconds(60);

        Assert.Single(_probedAt);
        pending.SetResult(false);
    }

    [Fact]
    public async Task An_answer_to_a_probe_opens_the_gate_and_every_waiter_goes_on()
    {
        using var gate = NewGate();
        var ended = new List<OutageEndedEventArgs>();
        gate.OutageEnded += (_, e) => ended.Add(e);
        gate.ReportAnswered();
        _time.Advance(TimeSpan.FromSeconds(10));
        gate.ReportServerGone(Refused());
        var waiters = Enumerable.Range(0, 3).Select(_ => gate.WaitUntilOpenAsync(CancellationToken.None)).ToArray();

        AdvanceBySeconds(6);   // probes at 2 s and 6 s: the second one answers
        Assert.All(waiters, w => Assert.False(w.IsCompleted));
        _answer = () => Task.FromResult(true);
        AdvanceBySeconds(8);

        await Task.WhenAll(waiters).WaitAsync(Settle);
        Assert.Equal(ServerGateState.Open, gate.Snapshot().State);
        Assert.Equal(3, _probedAt.Count);
        var e = Assert.Single(ended);
        Assert.Equal(TimeSpan.FromSeconds(10 + 14), e.Duration);
        Assert.True(gate.WaitUntilOpenAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task An_answer_to_a_request_still_in_flight_ends_the_outage_too()
    {
        using var gate = NewGate();
        gate.ReportAnswered();
        gate.ReportServerGone(Refused());
        var waiter = gate.WaitUntilOpenAsync(CancellationToken.None);

        gate.ReportAnswered();

        await waiter.WaitAsync(Settle);
        AdvanceBySeconds(10);
        Assert.Empty(_probedAt);
    }

    [Fact]
    public async Task Past_the_outage_limit_every_waiter_fails_with_one_ServerUnavailable()
    {
        using var gate = NewGate();
        gate.ReportAnswered();
        AdvanceBySeconds(60);
        gate.ReportServerGone(Refused());
        var waiters = Enumerable.Range(0, 2).Select(_ => gate.WaitUntilOpenAsync(CancellationToken.None)).ToArray();

        AdvanceBySeconds(239);
        Assert.All(waiters, w => Assert.False(w.IsCompleted));
        AdvanceBySeconds(1);

        var first = await Assert.ThrowsAsync<SynapseClientException>(() => waiters[0].WaitAsync(Settle));
        var second = await Assert.ThrowsAsync<SynapseClientException>(() => waiters[1].WaitAsync(Settle));
        var later = await Assert.ThrowsAsync<SynapseClientException>(() => gate.WaitUntilOpenAsync(CancellationToken.None));
        Assert.Same(first, second);
        Assert.Same(first, later);
        Assert.Equal(SynapseErrorKind.ServerUnavailable, first.Kind);
        Assert.Contains("for 5 min", first.Message);
        Assert.Contains("Connection refused", first.Message);
        Assert.Equal(TimeSpan.FromMinutes(5), _probedAt[^1]);   // the last probe went at the limit itself
        Assert.Equal(ServerGateState.GaveUp, gate.Snapshot().State);
    }

    [Fact]
    public async Task A_probe_that_fails_is_the_last_failure_the_give_up_names()
    {
        using var gate = NewGate(TimeSpan.FromSeconds(10));
        _answer = () => Task.FromException<bool>(Answered(502));
        gate.ReportAnswered();
        gate.ReportServerGone(Refused());
        var waiter = gate.WaitUntilOpenAsync(CancellationToken.None);

        AdvanceBySeconds(10);

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => waiter.WaitAsync(Settle));
        Assert.Equal(502, ex.StatusCode);
        Assert.Contains("HTTP 502", ex.Message);
    }

    [Fact]
    public async Task An_answer_starts_the_outage_clock_afresh()
    {
        using var gate = NewGate();
        gate.ReportAnswered();
        AdvanceBySeconds(240);
        gate.ReportAnswered();
        AdvanceBySeconds(240);
        gate.ReportServerGone(Refused());
        var waiter = gate.WaitUntilOpenAsync(CancellationToken.None);

        AdvanceBySeconds(59);   // eight minutes since the first answer, 4 min 59 s since the last
        Assert.False(waiter.IsCompleted);
        AdvanceBySeconds(1);

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => waiter.WaitAsync(Settle));
        Assert.Equal(SynapseErrorKind.ServerUnavailable, ex.Kind);
    }

    [Fact]
    public async Task A_Retry_After_holds_every_request_until_its_time_without_probing()
    {
        using var gate = NewGate();
        gate.ReportAnswered();

        Assert.True(gate.HoldFor(TimeSpan.FromSeconds(30), Answered(429)));
        Assert.True(gate.HoldFor(TimeSpan.FromSeconds(5), Answered(429)));   // a shorter one does not cut the wait
        var waiters = Enumerable.Range(0, 4).Select(_ => gate.WaitUntilOpenAsync(CancellationToken.None)).ToArray();
        Assert.Equal(Start + TimeSpan.FromSeconds(30), gate.Snapshot().HeldUntil);
        AdvanceBySeconds(29);
        Assert.All(waiters, w => Assert.False(w.IsCompleted));
        AdvanceBySeconds(1);

        await Task.WhenAll(waiters).WaitAsync(Settle);
        Assert.Empty(_probedAt);
        Assert.Equal(ServerGateState.Open, gate.Snapshot().State);
    }

    [Fact]
    public async Task An_answer_during_a_Retry_After_keeps_the_hold_and_moves_the_limit()
    {
        using var gate = NewGate(TimeSpan.FromMinutes(3));
        gate.ReportAnswered();
        AdvanceBySeconds(110);
        gate.HoldFor(TimeSpan.FromMinutes(2), Answered(429));   // until 230 s; the limit was at 180 s
        var waiter = gate.WaitUntilOpenAsync(CancellationToken.None);
        AdvanceBySeconds(40);
        gate.ReportAnswered();                                 // a request still in flight: the limit moves to 330 s

        AdvanceBySeconds(79);
        Assert.False(waiter.IsCompleted);
        Assert.Equal(ServerGateState.Throttled, gate.Snapshot().State);
        AdvanceBySeconds(1);

        await waiter.WaitAsync(Settle);
    }

    [Fact]
    public async Task An_outage_during_a_Retry_After_probes_and_opens_on_the_answer()
    {
        using var gate = NewGate();
        gate.ReportAnswered();
        gate.HoldFor(TimeSpan.FromMinutes(2), Answered(503));
        var waiter = gate.WaitUntilOpenAsync(CancellationToken.None);

        Assert.Equal(OutageDecision.WaitForServer, gate.ReportServerGone(Refused()));
        _answer = () => Task.FromResult(true);
        AdvanceBySeconds(2);

        await waiter.WaitAsync(Settle);
        Assert.Single(_probedAt);
        Assert.Equal(ServerGateState.Open, gate.Snapshot().State);
    }

    [Fact]
    public async Task A_server_that_throttles_for_ever_is_bounded_by_the_outage_limit()
    {
        using var gate = NewGate(TimeSpan.FromMinutes(3));
        gate.ReportAnswered();
        gate.HoldFor(TimeSpan.FromMinutes(10), Answered(429));   // cut to two minutes
        AdvanceBySeconds(120);
        await gate.WaitUntilOpenAsync(CancellationToken.None).WaitAsync(Settle);

        gate.HoldFor(TimeSpan.FromMinutes(2), Answered(429));
        var waiter = gate.WaitUntilOpenAsync(CancellationToken.None);
        AdvanceBySeconds(60);

        var ex = await Assert.ThrowsAsync<SynapseClientException>(() => waiter.WaitAsync(Settle));
        Assert.Equal(SynapseErrorKind.ServerUnavailable, ex.Kind);
        Assert.Equal(429, ex.StatusCode);
    }

    [Fact]
    public async Task Cancelling_ends_a_held_wait_at_once_and_leaves_the_others_waiting()
    {
        using var gate = NewGate();
        gate.ReportAnswered();
        gate.ReportServerGone(Refused());
        using var cts = new CancellationTokenSource();
        var cancelled = gate.WaitUntilOpenAsync(cts.Token);
        var other = gate.WaitUntilOpenAsync(CancellationToken.None);

        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Settle));
        Assert.False(other.IsCompleted);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gate.WaitUntilOpenAsync(cts.Token));
    }

    [Fact]
    public void An_outage_limit_of_zero_never_holds()
    {
        using var gate = NewGate(TimeSpan.Zero);
        gate.ReportAnswered();

        Assert.False(gate.IsEnabled);
        Assert.Equal(OutageDecision.FailAsToday, gate.ReportServerGone(Refused()));
        Assert.False(gate.HoldFor(TimeSpan.FromSeconds(30), Answered(429)));
        Assert.Equal(ServerGateState.Open, gate.Snapshot().State);
        AdvanceBySeconds(60);
        Assert.Empty(_probedAt);
    }

    [Fact]
    public async Task Disposing_stops_the_probes_and_wakes_the_waiters()
    {
        var gate = NewGate();
        gate.ReportAnswered();
        gate.ReportServerGone(Refused());
        var waiter = gate.WaitUntilOpenAsync(CancellationToken.None);

        gate.Dispose();
        AdvanceBySeconds(60);

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiter.WaitAsync(Settle));
        Assert.Empty(_probedAt);
    }
}
