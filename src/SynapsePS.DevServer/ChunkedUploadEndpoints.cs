using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace SynapsePS.DevServer;

/// <summary>
/// The chunked-upload API answering as drf-chunked-upload 0.6's ChunkedUploadView does:
/// GET chunked_upload/ (the caller's uploads, unpaginated), PUT chunked_upload/ and chunked_upload/{id}/
/// (multipart 'filename' + 'file', Content-Range), GET chunked_upload/{id}/ (the record),
/// POST chunked_upload/{id}/ (md5 → complete), POST chunked_upload/ (a whole file and its md5 in one go).
/// Refusals carry drf's texts and come in drf's order, although the body streams to disk instead of being
/// parsed first: a request refused before its body is read has the body read (and counted) all the same.
/// </summary>
internal sealed partial class ChunkedUploadEndpoints(DevServerOptions options, UploadStore store, FaultInjector faults, UploadRecords records)
{
    private const int BufferSize = 1024 * 1024;
    // As DRF's JSONRenderer writes: non-ASCII as is, quotes as \" (not \u0022).
    private static readonly JsonSerializerOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private const string ChecksumRequired = "Checksum of type 'md5' is required";
    private const string AllowedMethods = "GET, PUT, POST";

    [GeneratedRegex(@"^bytes (\d+)-(\d+)/(\d+)$")]
    private static partial Regex ContentRangePattern();

    [GeneratedRegex(@"^/chunked_upload/([0-9a-zA-Z_-]+)/$")]
    private static partial Regex UploadPathPattern();

    public async Task HandleAsync(HttpContext ctx, RequestNote note)
    {
        var path = ctx.Request.Path.Value ?? "";
        var method = ctx.Request.Method;
        string? id = null;
        if (path != "/chunked_upload/")
        {
            var m = UploadPathPattern().Match(path);
            if (!m.Success) { await DiscardAndReplyAsync(ctx, 404, new { detail = "Not found." }); return; }
            id = m.Groups[1].Value;
        }
        note.UploadId = id;

        if (Authenticate(ctx) is not { } owner)
        {
            var given = ctx.Request.Headers.ContainsKey("Synapse-Access-Token");
            await DiscardAndReplyAsync(ctx, 401, new { detail = given ? "Invalid token." : "Authentication credentials were not provided." });
            return;
        }

        switch (method, id)
        {
            case ("GET", null): await ListAsync(ctx, owner); break;
            case ("PUT", _): await PutAsync(ctx, note, id, owner); break;
            case ("POST", null): await WholeFileAsync(ctx, note, owner); break;
            case ("POST", _): await FinishAsync(ctx, id, owner); break;
            case ("GET", _):
                if (FindOwn(id, owner) is { } upload) await ReplyAsync(ctx, 200, records.Record(ctx, upload));
                else await ReplyAsync(ctx, 404, new { detail = "Not found." });
                break;
            default:
                ctx.Response.Headers.Allow = AllowedMethods;
                await DiscardAndReplyAsync(ctx, 405, new { detail = $"Method \"{method}\" not allowed." });
                break;
        }
    }

    /// <summary>The caller's token, or null when it is refused. A server without tokens takes anyone.</summary>
    private string? Authenticate(HttpContext ctx)
    {
        var header = ctx.Request.Headers["Synapse-Access-Token"].ToString();
        var token = header.StartsWith("Token ", StringComparison.Ordinal) ? header["Token ".Length..].Trim() : "";
        return options.Tokens.Count == 0 || options.Tokens.Contains(token) ? token : null;
    }

    /// <summary>An upload the caller may see: drf filters the queryset by user, so another's is simply not found.</summary>
    private StoredUpload? FindOwn(string? id, string owner) =>
        id is not null && store.Find(id) is { } u && u.Owner == owner ? u : null;

    private async Task ListAsync(HttpContext ctx, string owner)
    {
        // drf's view lists with the project's default pagination, which DRF leaves off: a plain JSON list.
        var mine = store.All.Where(u => u.Owner == owner).OrderBy(u => u.CreatedAt).Select(u => records.Record(ctx, u)).ToList();
        await ReplyAsync(ctx, 200, mine);
    }

    private async Task PutAsync(HttpContext ctx, RequestNote note, string? id, string owner)
    {
        if (Unsupported(ctx, jsonOnly: false) is { } unsupported) { await DiscardAndReplyAsync(ctx, 415, unsupported); return; }
        var range = ChunkRange.Parse(ctx.Request.Headers["Content-Range"].ToString());
        var upload = FindOwn(id, owner);
        var refusal = HeaderRefusal(range) ?? (id is null ? null : UploadRefusal(upload));
        if (refusal is not null) { await RefuseAfterBodyAsync(ctx, refusal, range, isNew: id is null); return; }
        var chunk = range!.Value;

        var chunkKey = (upload?.Id ?? "new:" + owner) + "@" + chunk.Start;
        var fault = faults.Decide(ctx.Request.Method, chunkKey);
        note.Fault = fault switch
        {
            FaultKind.Throttle => "throttle",
            FaultKind.Drop => "drop",
            FaultKind.LoseAck => "lose-ack",
            FaultKind.Stall => "stall",
            _ => null,
        };
        switch (fault)
        {
            case FaultKind.Throttle:
                ctx.Response.Headers.RetryAfter = options.Faults.ThrottleRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await DiscardAndReplyAsync(ctx, 429, new { detail = "Request was throttled." });
                return;
            case FaultKind.Fail:
                var status = faults.PickFailStatus();
                note.Fault = "fail-" + status;
                ctx.Response.Headers.RetryAfter = options.Faults.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await DiscardAndReplyAsync(ctx, status, new { detail = "Injected server failure." });
                return;
            case FaultKind.Drop:
                await ReadSomeAsync(ctx);
                note.Aborted = true;
                ctx.Abort();
                return;
            case FaultKind.Stall:
                await ReadSomeAsync(ctx);
                try { await Task.Delay(TimeSpan.FromSeconds(options.Faults.StallSeconds), ctx.RequestAborted); }
                catch (OperationCanceledException) { }
                note.Aborted = true;
                ctx.Abort();
                return;
        }

        var isNew = upload is null;
        upload ??= store.Create(owner);
        note.UploadId = upload.Id;
        var accepted = false;
        await upload.Gate.WaitAsync(ctx.RequestAborted);
        try
        {
            // drf creates an upload from whatever range its first chunk names, with the chunk's size as offset.
            refusal = (isNew ? null : OffsetRefusal(upload, chunk.Start)) ?? QuotaRefusal(chunk.Length);
            if (refusal is not null) { await RefuseAfterBodyAsync(ctx, refusal, range, isNew); return; }

            var body = await ReceiveAsync(ctx, new ChunkTarget(upload, isNew ? 0 : chunk.Start, chunk.Length));
            refusal = BodyRefusal(body, range, isNew);
            if (refusal is not null) { await ReplyAsync(ctx, refusal.Status, refusal.Body); return; }
            if (isNew) upload.Filename = body.Filename!.Trim();
            accepted = true;
        }
        finally
        {
            upload.Gate.Release();
            // A new upload whose first chunk was refused never existed.
            if (isNew && !accepted) store.Forget(upload.Id);
        }

        faults.Succeeded(chunkKey);
        if (fault == FaultKind.LoseAck)
        {
            // The chunk is stored; the client never learns it.
            note.Aborted = true;
            ctx.Abort();
            return;
        }
        if (options.Faults.LatencyMs > 0) await Task.Delay(options.Faults.LatencyMs, ctx.RequestAborted);
        await ReplyAsync(ctx, 200, records.Record(ctx, upload));
    }

    /// <summary>POST chunked_upload/{id}/ with md5: completes the upload when the MD5 of what is held matches.</summary>
    private async Task FinishAsync(HttpContext ctx, string id, string owner)
    {
        var (fields, refusal) = await ReadFieldsAsync(ctx, options.JsonOnly);
        if (refusal is not null) { await ReplyAsync(ctx, refusal.Status, refusal.Body); return; }
        // drf asks for the checksum before it looks the upload up.
        if (!fields.TryGetValue("md5", out var md5) || string.IsNullOrEmpty(md5)) { await ReplyAsync(ctx, 400, new { detail = ChecksumRequired }); return; }
        if (FindOwn(id, owner) is not { } upload) { await ReplyAsync(ctx, 404, new { detail = "Not found." }); return; }
        await CompleteAsync(ctx, upload, md5);
    }

    /// <summary>POST chunked_upload/ with a whole file and its md5 (drf's one-request upload).</summary>
    private async Task WholeFileAsync(HttpContext ctx, RequestNote note, string owner)
    {
        if (Unsupported(ctx, options.JsonOnly) is { } unsupported) { await DiscardAndReplyAsync(ctx, 415, unsupported); return; }
        var upload = store.Create(owner);
        note.UploadId = upload.Id;
        var kept = false;
        try
        {
            ReceivedBody body;
            await upload.Gate.WaitAsync(ctx.RequestAborted);
            try
            {
                body = await ReceiveAsync(ctx, new ChunkTarget(upload, 0, Length: null));
                var whole = new ChunkRange(0, body.FileSize - 1, body.FileSize);
                var refusal = First(BodyRefusal(body, whole, isNew: true), HeaderRefusal(whole), QuotaRefusal(0));
                if (refusal is not null) { await ReplyAsync(ctx, refusal.Status, refusal.Body); return; }
                upload.Filename = body.Filename!.Trim();
                kept = true;   // drf has saved the upload; a missing or wrong checksum leaves it incomplete
            }
            finally
            {
                upload.Gate.Release();
            }
            if (!body.Fields.TryGetValue("md5", out var md5) || string.IsNullOrEmpty(md5)) { await ReplyAsync(ctx, 400, new { detail = ChecksumRequired }); return; }
            await CompleteAsync(ctx, upload, md5);
        }
        finally
        {
            if (!kept) store.Forget(upload.Id);
        }
    }

    private async Task CompleteAsync(HttpContext ctx, StoredUpload upload, string md5)
    {
        string held;
        await upload.Gate.WaitAsync(ctx.RequestAborted);
        try
        {
            if (UploadRefusal(upload) is { } refusal) { await ReplyAsync(ctx, refusal.Status, refusal.Body); return; }
            // Like drf-chunked-upload: the MD5 of what is held decides, whatever the client meant to send;
            // compared as drf does, exactly (hexdigest is lowercase).
            held = upload.Md5Hex();
            if (md5 != held) { await ReplyAsync(ctx, 400, new { detail = "checksum does not match" }); return; }
            var finalPath = Path.Combine(store.Directory, upload.Id + "_" + UploadStore.SafeName(upload.Filename));
            if (!File.Exists(upload.PartPath)) await File.WriteAllBytesAsync(upload.PartPath, Array.Empty<byte>());
            File.Move(upload.PartPath, finalPath, overwrite: true);
            upload.FinalPath = finalPath;
            upload.IsComplete = true;
            upload.CompletedAt = DateTimeOffset.UtcNow;
        }
        finally
        {
            upload.Gate.Release();
        }
        await ReplyAsync(ctx, 200, records.FinishRecord(ctx, upload, held));
    }

    // ---- refusals, in drf's order: the file part, the headers, the file's size, the upload, the fields

    private enum Stage { File, Headers, Size, Upload, Fields }

    private sealed record Refusal(Stage Stage, int Status, object Body);

    private readonly record struct ChunkRange(long Start, long End, long Total)
    {
        public long Length => End - Start + 1;

        public static ChunkRange? Parse(string header)
        {
            var m = ContentRangePattern().Match(header);
            return m.Success
                && long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                && long.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var end)
                && long.TryParse(m.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var total)
                ? new ChunkRange(start, end, total)
                : null;
        }
    }

    private Refusal? HeaderRefusal(ChunkRange? range) => range switch
    {
        null => new(Stage.Headers, 400, new { detail = "Error in request headers" }),
        // drf lets end == total through; so does this server.
        { End: var end, Total: var total } when end > total => new(Stage.Headers, 400, new { detail = $"End of chunk exceeds reported total ({total} bytes)" }),
        // drf answers 400 here; Synapse's proxy refuses with 413, which is what clients must handle.
        { Total: var total } when options.MaxUploadBytes is { } max && total > max => new(Stage.Headers, 413, new { detail = $"Size of file exceeds the limit ({max} bytes)" }),
        _ => null,
    };

    private Refusal? UploadRefusal(StoredUpload? upload) =>
        upload is null ? new(Stage.Upload, 404, new { detail = "Not found." })
        : IsExpired(upload) ? new(Stage.Upload, 410, new { detail = "Upload has expired" })
        : upload.IsComplete ? new(Stage.Upload, 400, new { detail = "Upload has already been marked as \"complete\"" })
        : null;

    private Refusal? OffsetRefusal(StoredUpload upload, long start)
    {
        if (start == upload.Offset) return null;
        var body = new Dictionary<string, object> { ["detail"] = "Offsets do not match" };
        if (options.OffsetKey == DevServerOptions.LegacyOffsetKey)
        {
            body["offset"] = upload.Offset;   // drf 0.5 named only the server's offset
        }
        else
        {
            body["expected_offset"] = upload.Offset;
            body["provided_offset"] = start;
        }
        return new(Stage.Upload, 400, body);
    }

    private Refusal? QuotaRefusal(long length) =>
        options.QuotaBytes is { } quota && store.StoredBytes + Math.Max(0, length) > quota
            ? new(Stage.Upload, 507, new { detail = "Insufficient storage" })
            : null;

    private static Refusal? BodyRefusal(ReceivedBody body, ChunkRange? range, bool isNew)
    {
        if (!body.HasFile) return new(Stage.File, 400, new { detail = "No chunk file was submitted" });
        if (range is { } r && body.FileSize != r.Length)
            return new(Stage.Size, 400, new { detail = $"File size doesn't match headers: file size is {body.FileSize} but {r.Length} reported" });
        if (!isNew)
            // drf would append nothing and answer 200; an empty chunk is always a client bug, so it is refused.
            return body.FileSize == 0 ? new(Stage.Fields, 400, new { detail = "The submitted file is empty." }) : null;

        // A new upload goes through drf's ModelSerializer, whose field errors come as a dict under 'detail'.
        var errors = new Dictionary<string, string[]>();
        if (body.FileSize == 0) errors["file"] = ["The submitted file is empty."];
        var filename = body.Filename?.Trim();
        if (filename is null) errors["filename"] = ["This field is required."];
        else if (filename.Length == 0) errors["filename"] = ["This field may not be blank."];
        else if (filename.Length > 255) errors["filename"] = ["Ensure this field has no more than 255 characters."];
        return errors.Count > 0 ? new(Stage.Fields, 400, new { detail = errors }) : null;
    }

    /// <summary>Reads (and counts) a body that will not be stored, then gives the refusal drf would have given first.</summary>
    private async Task RefuseAfterBodyAsync(HttpContext ctx, Refusal refusal, ChunkRange? range, bool isNew)
    {
        var body = await ReceiveAsync(ctx, target: null);
        var first = First(refusal, BodyRefusal(body, HeaderRefusal(range) is null ? range : null, isNew))!;
        await ReplyAsync(ctx, first.Status, first.Body);
    }

    /// <summary>The refusal drf would reach first.</summary>
    private static Refusal? First(params Refusal?[] refusals) =>
        refusals.Where(r => r is not null).OrderBy(r => r!.Stage).FirstOrDefault();

    // ---- request bodies

    /// <summary>
    /// A body DRF's parsers could not read, as its 415 answer; null when they could. Chunk PUTs always have
    /// the default parsers (JSON, form, multipart); the finish has only JSON with <paramref name="jsonOnly"/>.
    /// </summary>
    private static object? Unsupported(HttpContext ctx, bool jsonOnly) => KindOf(ctx.Request) switch
    {
        BodyKind.None or BodyKind.Json => null,
        BodyKind.Form or BodyKind.Multipart when !jsonOnly => null,
        _ => new { detail = $"Unsupported media type \"{ctx.Request.ContentType}\" in request." },
    };

    private enum BodyKind { None, Json, Form, Multipart, Other }

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
    private async Task<(Dictionary<string, string> Fields, Refusal? Refusal)> ReadFieldsAsync(HttpContext ctx, bool jsonOnly)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Unsupported(ctx, jsonOnly) is { } unsupported)
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
                fields = (await ReceiveAsync(ctx, target: null)).Fields;
                break;
        }
        return (fields, null);
    }

    /// <summary>Where a file part goes: the upload's .part file from Position; Length null takes any size.</summary>
    private sealed record ChunkTarget(StoredUpload Upload, long Position, long? Length);

    /// <summary>What a multipart body held: its small text fields, and whether (and how large) the 'file' part was.</summary>
    private sealed record ReceivedBody(Dictionary<string, string> Fields, bool HasFile, long FileSize)
    {
        public string? Filename => Fields.GetValueOrDefault("filename");
    }

    /// <summary>
    /// Streams a multipart body; the 'file' part goes into <paramref name="target"/> (or is only counted). A file
    /// part of the wrong size leaves neither the stored bytes nor the hash changed. Non-multipart bodies are read
    /// and hold no file.
    /// </summary>
    private async Task<ReceivedBody> ReceiveAsync(HttpContext ctx, ChunkTarget? target)
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

    /// <summary>
    /// Writes one file part into the upload's .part file, hashing the same 1 MiB blocks it writes. Commits the
    /// offset and the MD5 only for a part of exactly the announced size (any size when none is announced);
    /// otherwise the file is cut back.
    /// </summary>
    private sealed class ChunkSink : IDisposable
    {
        private readonly StoredUpload _upload;
        private readonly long _start;
        private readonly long _limit;
        private readonly long? _length;
        private readonly IncrementalHash _hash;
        private readonly FileStream _file;
        private readonly byte[] _block = ArrayPool<byte>.Shared.Rent(BufferSize);
        private int _filled;
        private long _seen;
        private bool _committed;

        public ChunkSink(StoredUpload upload, long start, long? length)
        {
            _upload = upload;
            _start = start;
            _length = length;
            _limit = length ?? long.MaxValue;
            _hash = upload.Md5.Clone();
            _file = new FileStream(upload.PartPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1);
            _file.SetLength(start);   // whatever a broken earlier attempt left past the offset goes
            _file.Position = start;
        }

        public async ValueTask WriteAsync(ReadOnlySequence<byte> data)
        {
            foreach (var segment in data)
            {
                var span = segment;
                _seen += span.Length;
                if (_seen > _limit) continue;   // too long: keep counting to answer, store nothing more
                while (!span.IsEmpty)
                {
                    var n = Math.Min(span.Length, _block.Length - _filled);
                    span.Span[..n].CopyTo(_block.AsSpan(_filled));
                    _filled += n;
                    span = span[n..];
                    if (_filled == _block.Length) await FlushAsync();
                }
            }
        }

        public async Task CompleteAsync(long received)
        {
            if (_length is { } expected && received != expected) return;
            await FlushAsync();
            _upload.Md5.Dispose();
            _upload.Md5 = _hash;
            _upload.Offset = _start + received;
            _committed = true;
        }

        private async Task FlushAsync()
        {
            if (_filled == 0) return;
            var writing = _file.WriteAsync(_block.AsMemory(0, _filled));
            _hash.AppendData(_block, 0, _filled);
            await writing;
            _filled = 0;
        }

        public void Dispose()
        {
            if (!_committed)
            {
                _hash.Dispose();
                try { _file.SetLength(_start); } catch (IOException) { }
            }
            _file.Dispose();
            ArrayPool<byte>.Shared.Return(_block);
        }
    }

    private bool IsExpired(StoredUpload upload) =>
        options.Expiry is { } e && !upload.IsComplete && DateTimeOffset.UtcNow > upload.CreatedAt + e;

    private static async Task ReadSomeAsync(HttpContext ctx)
    {
        // Take part of the body (at most half, at most 256 KiB), as a connection that breaks mid-transfer would.
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

    private static async Task DiscardAsync(HttpContext ctx)
    {
        try { await ctx.Request.Body.CopyToAsync(Stream.Null, ctx.RequestAborted); }
        catch (Exception ex) when (ex is IOException or BadHttpRequestException or InvalidOperationException) { }
    }

    /// <summary>Reads what is left of the body (as a proxy in front of Django would have), then answers.</summary>
    private static async Task DiscardAndReplyAsync(HttpContext ctx, int status, object body)
    {
        await DiscardAsync(ctx);
        await ReplyAsync(ctx, status, body);
    }

    internal static async Task ReplyAsync(HttpContext ctx, int status, object body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(body, s_json), ctx.RequestAborted);
    }
}

/// <summary>What the log should say about a request, filled in while handling it.</summary>
internal sealed class RequestNote
{
    public string? Fault { get; set; }
    public string? UploadId { get; set; }
    public bool Aborted { get; set; }
}
