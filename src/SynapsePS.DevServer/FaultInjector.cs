namespace SynapsePS.DevServer;

internal enum FaultKind { None, Throttle, Fail, Drop, LoseAck, Stall, StallReply, DripReply }

/// <summary>
/// Rolls the dice for each chunk request. Never injects more than MaxConsecutiveFaults in a row for the same
/// chunk, so a client with enough retries always finishes and tests do not flake.
/// </summary>
internal sealed class FaultInjector(FaultOptions options)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _consecutive = new();
    private Random _random = new();
    private int? _seed;
    private bool _seeded;
    private int _generation;

    public FaultKind Decide(string method, string chunkKey)
    {
        var o = options;
        if (!o.Methods.Contains(method, StringComparer.OrdinalIgnoreCase)) return FaultKind.None;
        lock (_gate)
        {
            if (!_seeded || _seed != o.Seed)
            {
                _seed = o.Seed;
                _seeded = true;
                _random = o.Seed is { } s ? new Random(s) : new Random();
            }
            // Faults replaced at run time (POST /_dev/faults) owe nothing to the streaks of the ones before them.
            if (_generation != o.Generation)
            {
                _generation = o.Generation;
                _consecutive.Clear();
            }
            _consecutive.TryGetValue(chunkKey, out var inARow);
            if (inARow >= o.MaxConsecutiveFaults) return FaultKind.None;

            var fault =
                Roll(o.ThrottleRate) ? FaultKind.Throttle :
                Roll(o.FailRate) ? FaultKind.Fail :
                Roll(o.DropRate) ? FaultKind.Drop :
                Roll(o.LoseAckRate) ? FaultKind.LoseAck :
                Roll(o.StallRate) ? FaultKind.Stall :
                Roll(o.StallReplyRate) ? FaultKind.StallReply :
                Roll(o.DripReplyRate) ? FaultKind.DripReply : FaultKind.None;
            if (fault != FaultKind.None) _consecutive[chunkKey] = inARow + 1;
            return fault;
        }
    }

    public void Succeeded(string chunkKey)
    {
        lock (_gate) _consecutive.Remove(chunkKey);
    }

    public int PickFailStatus()
    {
        var statuses = options.FailStatuses.Length > 0 ? options.FailStatuses : new[] { 503 };
        lock (_gate) return statuses[_random.Next(statuses.Length)];
    }

    private bool Roll(double rate) => rate > 0 && _random.NextDouble() < rate;
}
