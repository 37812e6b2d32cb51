using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace SynapsePS.DevServer;

/// <summary>
/// The framework's <see cref="MultipartReader"/> behind <see cref="IMultipartParts"/>, used as an application
/// would use it (default buffer, each section's body read in blocks): the server's default reader.
/// </summary>
internal sealed class FrameworkMultipartParts(Stream body, string boundary) : IMultipartParts
{
    private const int BlockSize = 64 * 1024;
    private readonly MultipartReader _reader = new(boundary, body) { BodyLengthLimit = null };
    private MultipartSection? _section;

    public async Task<Dictionary<string, string>?> NextPartAsync(CancellationToken ct)
    {
        _section = await _reader.ReadNextSectionAsync(ct);
        if (_section is null) return null;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in _section.Headers ?? []) headers[name] = value.ToString();
        return headers;
    }

    public async Task<long> ReadPartAsync(Func<ReadOnlySequence<byte>, ValueTask> sink, CancellationToken ct)
    {
        var block = ArrayPool<byte>.Shared.Rent(BlockSize);
        try
        {
            long total = 0;
            int n;
            while ((n = await _section!.Body.ReadAsync(block.AsMemory(0, BlockSize), ct)) > 0)
            {
                await sink(new ReadOnlySequence<byte>(block, 0, n));
                total += n;
            }
            return total;
        }
        finally { ArrayPool<byte>.Shared.Return(block); }
    }

    public async Task<string> ReadTextPartAsync(CancellationToken ct)
    {
        using var reader = new StreamReader(_section!.Body, Encoding.UTF8);
        var text = new char[64 * 1024];
        var read = await reader.ReadBlockAsync(text.AsMemory(), ct);
        return new string(text, 0, read);
    }
}
