namespace SynapsePS.DevServer;

/// <summary>
/// The upload API's requests being served right now, and the most there have been at once since the log was last
/// cleared (GET /_dev/inflight): what a test reads to learn how many uploads a client ran at once. With a capacity
/// (--max-inflight K) a PUT or POST that arrives while K are being served is turned away, as nginx's limit_conn
/// turns away the connection one worker too many.
/// </summary>
internal sealed class InflightCounter
{
    private int _now;
    private int _most;
    private long _refused;

    /// <summary>Requests being served now.</summary>
    public int Now => Volatile.Read(ref _now);

    /// <summary>The most requests served at once since the server started or the log was cleared.</summary>
    public int Most => Volatile.Read(ref _most);

    /// <summary>Requests turned away for the capacity since the server started or the log was cleared.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Counts a request in; false (and not counted) when <paramref name="capacity"/> are already being served.</summary>
    public bool TryEnter(int? capacity)
    {
        var now = Interlocked.Increment(ref _now);
        if (capacity is { } k && now > k)
        {
            Interlocked.Decrement(ref _now);
            Interlocked.Increment(ref _refused);
            return false;
        }
        for (var most = Most; now > most; most = Most)
            if (Interlocked.CompareExchange(ref _most, now, most) == most) break;
        return true;
    }

    public void Leave() => Interlocked.Decrement(ref _now);

    /// <summary>Starts the count of the most at once and of the refusals afresh (with the request log).</summary>
    public void Reset()
    {
        Volatile.Write(ref _most, Now);
        Interlocked.Exchange(ref _refused, 0);
    }
}
