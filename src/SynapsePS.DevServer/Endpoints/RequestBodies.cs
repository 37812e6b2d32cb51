using System.Text.Json;
using Microsoft.Net.Http.Headers;
using SynapsePS.DevServer.Storage;

namespace SynapsePS.DevServer.Endpoints;

/// <summary>Where a file part goes: the upload's .part file from Position; Length null takes any size.</summary>
internal sealed record ChunkTarget(StoredUpload Upload, long Position, long? Length);

/// <summary>What a multipart body held: its small text fields, and whether (and how large) the 'file' part was.</summary>
internal sealed record ReceivedBody(Dictionary<string, string> Fields, bool HasFile, long FileSize)
{
    public string? Filename => Fields.GetValueOrDefault("filename");
}

/// <summary>
/// Request bodies as DRF's parsers take them: which kinds a view accepts, the small fields of a finish, and the
/// multipart body of a chunk, streamed to disk instead of being parsed first.
/// </summary>
internal static class RequestBodies
{
    private enum BodyKind { None, Json, Form, Multipart, Other }

    /// <summary>
    /// A body DRF's parsers could not read, as its 415 answer; null when they could. Chunk PUTs always have
    /// the default parsers (JSON, form, multipart); the finish has only JSON with <paramref name="jsonOnly"/>.
    /// </summary>
    public static object? Unsupported(HttpContext ctx, bool jsonOnly) => KindOf(ctx.Request) switch
    {
        BodyKind.None or BodyKind.Json => null,
        BodyKind.Form or BodyKind.Multipart when !jsonOnly => null,
        _ => new { detail = $"Unsupported media type \"{ctx.Request.ContentType}\" in request." },
    };

    private static BodyKind KindOf(HttpRequest request)
    {
        // DRF reads no data from a request without a length; a chunked body is read all the same here.
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.Any())) return BodyKind.None;
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)) return BodyKind.Other;
        return type.MediaType.Value?.ToLowerInvariant() switch
        {
            "application/json" => BodyKind.Json,
            "application/x-www-form-urlencoded" => BodyKind.Form,
            "multipart/form-data" => BodyKind.Multipart,
            _ => BodyKind.Other,
        };
    }

    /// <summary>The small fields of a finish request (JSON object, form or multipart), or DRF's refusal of its body.</summary>
    public static async Task<(Dictionary<string, string> Fields, Refusal? Refusal)> ReadFieldsAsync(HttpContext ctx, DevServerOptions options)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Unsupported(ctx, options.JsonOnly) is { } unsupported)
        {
            await DiscardAsync(ctx);
            return (fields, new(Stage.Headers, 415, unsupported));
        }
        switch (KindOf(ctx.Request))
        {
            case BodyKind.Json:
                try
                {
                    using var doc = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
                    if (doc.RootElement.ValueKind == JsonValueKind.Object)
                        foreach (var p in doc.RootElement.EnumerateObject())
                            if (p.Value.ValueKind != JsonValueKind.Null)
                                fields[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
                catch (JsonException ex)
                {
                    return (fields, new(Stage.Headers, 400, new { detail = "JSON parse error - " + ex.Message }));
                }
                break;
            case BodyKind.Form:
                foreach (var (key, value) in await ctx.Request.ReadFormAsync(ctx.RequestAborted)) fields[key] = value.ToString();
                break;
            case BodyKind.Multipart:
                fields = (await ReceiveAsync(ctx, target: null, options)).Fields;
                break;
        }
        return (fields, null);
    }

    /// <summary>
    /// Streams a multipart body; the 'file' part goes into <paramref name="target"/> (or is only counted). A file
    /// part of the wrong size leaves neither the stored bytes nor the hash changed. Non-multipart bodies are read
    /// and hold no file.
    /// </summary>
    public static async Task<ReceivedBody> ReceiveAsync(HttpContext ctx, ChunkTarget? target, DevServerOptions options)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (KindOf(ctx.Request) != BodyKind.Multipart
            || !MediaTypeHeaderValue.TryParse(ctx.Request.ContentType, out var type) || type.Boundary.Length == 0)
        {
            await DiscardAsync(ctx);
            return new(fields, false, 0);
        }
        var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value!;
        IMultipartParts parts = options.CustomMultipartReader
            ? new MultipartChunkReader(ctx.Request.BodyReader, boundary)
            : new FrameworkMultipartParts(ctx.Request.Body, boundary);
        var ct = ctx.RequestAborted;

        long received = -1;
        Dictionary<string, string>? headers;
        while ((headers = await parts.NextPartAsync(ct)) is not null)
        {
            headers.TryGetValue("Content-Disposition", out var cd);
            ContentDispositionHeaderValue.TryParse(cd, out var disposition);
            var name = HeaderUtilities.RemoveQuotes(disposition?.Name ?? default).Value ?? "";
            if (name == "file" && received < 0)
            {
                if (target is null)
                {
                    received = await parts.ReadPartAsync(static _ => ValueTask.CompletedTask, ct);
                }
                else
                {
                    using var sink = new ChunkSink(target.Upload, target.Position, target.Length);
                    received = await parts.ReadPartAsync(sink.WriteAsync, ct);
                    await sink.CompleteAsync(received);
                }
            }
            else if (name != "file" && disposition?.FileName.HasValue != true)
            {
                fields[name] = await parts.ReadTextPartAsync(ct);
            }
            else
            {
                await parts.ReadPartAsync(static _ => ValueTask.CompletedTask, ct);
            }
        }
        return new(fields, received >= 0, Math.Max(0, received));
    }

    /// <summary>Takes part of the body (at most half, at most 256 KiB), as a connection that breaks mid-transfer would.</summary>
    public static async Task ReadSomeAsync(HttpContext ctx)
    {
        var want = Math.Min(256 * 1024, Math.Max(1, (ctx.Request.ContentLength ?? 2) / 2));
        var buffer = new byte[64 * 1024];
        long got = 0;
        while (got < want)
        {
            var n = await ctx.Request.Body.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, want - got)), ctx.RequestAborted);
            if (n == 0) break;
            got += n;
        }
    }

    public static async Task DiscardAsync(HttpContext ctx)
    {
        try { await ctx.Request.Body.CopyToAsync(Stream.Null, ctx.RequestAborted); }
        catch (Exception ex) when (ex is IOException or BadHttpRequestException or InvalidOperationException) { }
    }
}
