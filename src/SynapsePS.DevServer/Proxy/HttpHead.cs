using System.Globalization;
using System.Text;

namespace SynapsePS.DevServer.Proxy;

/// <summary>The start line and header fields of an HTTP/1.1 message, kept in order and byte for byte (Latin-1).</summary>
internal sealed class HttpHead(string startLine, List<KeyValuePair<string, string>> fields)
{
    /// <summary>Headers that describe one connection and so never cross the proxy (RFC 9110 7.6.1).</summary>
    private static readonly HashSet<string> s_hopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate", "TE", "Trailer", "Upgrade",
    };

    public string StartLine { get; } = startLine;
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; } = fields;

    public string? Get(string name) => Fields.Where(f => f.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(f => f.Value).LastOrDefault();

    /// <summary>Whether a comma-separated header (Connection, Transfer-Encoding) names <paramref name="token"/>.</summary>
    public bool HasToken(string name, string token) =>
        Fields.Where(f => f.Key.Equals(name, StringComparison.OrdinalIgnoreCase))
              .SelectMany(f => f.Value.Split(','))
              .Any(t => t.Trim().Equals(token, StringComparison.OrdinalIgnoreCase));

    /// <summary>METHOD TARGET VERSION of a request.</summary>
    public (string Method, string Target) RequestLine()
    {
        var parts = StartLine.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            throw new InvalidDataException($"Not an HTTP/1.x request line: '{StartLine}'.");
        return (parts[0], parts[1]);
    }

    /// <summary>The status code of a response.</summary>
    public int Status()
    {
        var parts = StartLine.Split(' ', 3);
        return parts.Length >= 2 && parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal)
               && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status)
            ? status
            : throw new InvalidDataException($"Not an HTTP/1.x status line: '{StartLine}'.");
    }

    /// <summary>This request as it goes on to the server: origin-form target, without the hop-by-hop fields.</summary>
    public HttpHead ForUpstream(string method, string originTarget)
    {
        var named = Fields.Where(f => f.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                          .SelectMany(f => f.Value.Split(',')).Select(t => t.Trim());
        var drop = new HashSet<string>(s_hopByHop.Concat(named), StringComparer.OrdinalIgnoreCase);
        return new HttpHead($"{method} {originTarget} HTTP/1.1", Fields.Where(f => !drop.Contains(f.Key)).ToList());
    }

    public async Task WriteToAsync(Stream stream, CancellationToken ct)
    {
        var text = new StringBuilder(StartLine).Append("\r\n");
        foreach (var (name, value) in Fields) text.Append(name).Append(": ").Append(value).Append("\r\n");
        text.Append("\r\n");
        await stream.WriteAsync(Encoding.Latin1.GetBytes(text.ToString()), ct);
        await stream.FlushAsync(ct);
    }
}
