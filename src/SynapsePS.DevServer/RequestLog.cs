using System.Collections.Concurrent;
using System.Text.Json;

namespace SynapsePS.DevServer;

/// <summary>
/// The server's request log (GET /_dev/requests): entries in the order they were answered, numbered in the order
/// they arrived. With --persist it is also appended to requests.jsonl in the storage folder and read back at
/// start, so a server started again goes on with the log (and the numbers) of the one before it, and a test can
/// follow an upload across the restart.
/// </summary>
internal sealed class RequestLog
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    private readonly ConcurrentQueue<RequestLogEntry> _entries = new();
    private readonly string? _file;
    private readonly object _writing = new();
    private long _lastNumber;

    public RequestLog(string storageDirectory, bool persist)
    {
        if (!persist) return;
        _file = Path.Combine(storageDirectory, "requests.jsonl");
        if (!File.Exists(_file)) return;
        var text = File.ReadAllText(_file);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            RequestLogEntry? entry;
            try { entry = JsonSerializer.Deserialize<RequestLogEntry>(line, s_json); }
            catch (JsonException) { continue; }   // the last line of a killed server may be cut short
            if (entry is null) continue;
            _entries.Enqueue(entry);
            _lastNumber = Math.Max(_lastNumber, entry.Number);
        }
        // A cut-short last line must not swallow the first entry of this server.
        if (text.Length > 0 && !text.EndsWith('\n')) File.AppendAllText(_file, "\n");
    }

    public IReadOnlyList<RequestLogEntry> Entries => _entries.ToArray();

    public long NextNumber() => Interlocked.Increment(ref _lastNumber);

    public void Add(RequestLogEntry entry)
    {
        _entries.Enqueue(entry);
        if (_file is null) return;
        var line = JsonSerializer.Serialize(entry, s_json) + "\n";
        lock (_writing) File.AppendAllText(_file, line);
    }

    public void Clear()
    {
        lock (_writing)
        {
            _entries.Clear();
            if (_file is not null) File.WriteAllText(_file, "");
        }
    }
}
