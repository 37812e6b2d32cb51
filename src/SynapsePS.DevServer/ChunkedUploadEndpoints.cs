using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace SynapsePS.DevServer;

/// <summary>
/// The chunked-upload API with the answers a drf-chunked-upload backend gives:
/// PUT chunked_upload/ and chunked_upload/{id}/ (multipart 'filename' + 'file', Content-Range),
/// GET chunked_upload/{id}/ (the record), POST chunked_upload/{id}/ (md5 → complete).
/// </summary>
internal sealed partial class ChunkedUploadEndpoints(DevServerOptions options, UploadStore store, FaultInjector faults, Func<Uri> baseUrl)
{
    private const int BufferSize = 1024 * 1024;

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
            if (!m.Success) { await ReplyAsync(ctx, 404, new { detail = "Not found." }); return; }
            id = m.Groups[1].Value;
        }
        note.UploadId = id;

        if (!Authenticate(ctx, out var owner)) { await DiscardAndReplyAsync(ctx, 401, new { detail = "Invalid token." }); return; }

        if (id is null)
        {
            if (method == "PUT") await PutAsync(ctx, note, null, owner);
            else await DiscardAndReplyAsync(ctx, 405, new { detail = $"Method \"{method}\" not allowed." });
            return;
        }

        var upload = store.Find(id);
        if (upload is null || upload.Owner != owner) { await DiscardAndReplyAsync(ctx, 404, new { detail = "Not found." }); return; }

        switch (method)
        {
            case "GET": await ReplyAsync(ctx, 200, Record(upload)); break;
            case "PUT": await PutAsync(ctx, note, upload, owner); break;
            case "POST": await CompleteAsync(ctx, upload); break;
            default: await DiscardAndReplyAsync(ctx, 405, new { detail = $"Method \"{method}\" not allowed." }); break;
        }
    }

    private bool Authenticate(HttpContext ctx, out string owner)
    {
        var header = ctx.Request.Headers["Synapse-Access-Token"].ToString();
        var token = header.StartsWith("Token ", StringComparison.Ordinal) ? header["Token ".Length..].Trim() : "";
        owner = token;
        return options.Tokens.Count == 0 || options.Tokens.Contains(token);
    }

    private async Task PutAsync(HttpContext ctx, RequestNote note, StoredUpload? upload, string owner)
    {
        var range = ContentRangePattern().Match(ctx.Request.Headers["Content-Range"].ToString());
        if (!range.Success
            || !long.TryParse(range.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            || !long.TryParse(range.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var end)
            || !long.TryParse(range.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            || start > end || end >= total)
        {
            await DiscardAndReplyAsync(ctx, 400, new { detail = "Error in request headers" });
            return;
        }
        if (options.MaxUploadBytes is { } max && total > max)
        {
            await DiscardAndReplyAsync(ctx, 413, new { detail = $"Size of file exceeds the limit ({max} bytes)" });
            return;
        }
        if (upload is not null)
        {
            if (IsExpired(upload)) { await DiscardAndReplyAsync(ctx, 410, new { detail = "Upload has expired" }); return; }
            if (upload.IsComplete) { await DiscardAndReplyAsync(ctx, 400, new { detail = "Upload has already been marked as \"complete\"" }); return; }
        }

        var chunkKey = (upload?.Id ?? "new:" + owner) + "@" + start;
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
            if (start != upload.Offset)
            {
                await DiscardAndReplyAsync(ctx, 400, new Dictionary<string, object>
                {
                    ["detail"] = "Offsets do not match",
                    ["expected_offset"] = upload.Offset,
                    ["provided_offset"] = start,
                });
                return;
            }
            var length = end - start + 1;
            if (options.QuotaBytes is { } quota && store.StoredBytes + length > quota)
            {
                await DiscardAndReplyAsync(ctx, 507, new { detail = "Insufficient storage" });
                return;
            }

            var (error, filename) = await ReceiveChunkAsync(ctx, upload, start, length);
            if (error is not null)
            {
                await DiscardAndReplyAsync(ctx, 400, new { detail = error });
                return;
            }
            if (filename is not null && (isNew || upload.Filename.Length == 0)) upload.Filename = filename;
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
        await ReplyAsync(ctx, 200, Record(upload));
    }

    /// <summary>Streams the multipart body into the .part file; a bad chunk leaves neither bytes nor hash changed.</summary>
    private static async Task<(string? Error, string? Filename)> ReceiveChunkAsync(HttpContext ctx, StoredUpload upload, long start, long length)
    {
        if (!MediaTypeHeaderValue.TryParse(ctx.Request.ContentType, out var type) || type.Boundary.Length == 0)
            return ("No chunk file was submitted", null);
        var parts = new MultipartChunkReader(ctx.Request.BodyReader, HeaderUtilities.RemoveQuotes(type.Boundary).Value!);
        var ct = ctx.RequestAborted;

        string? filename = null;
        long received = -1;
        Dictionary<string, string>? headers;
        while ((headers = await parts.NextPartAsync(ct)) is not null)
        {
            headers.TryGetValue("Content-Disposition", out var cd);
            ContentDispositionHeaderValue.TryParse(cd, out var disposition);
            var name = HeaderUtilities.RemoveQuotes(disposition?.Name ?? default).Value;
            if (name == "filename")
            {
                filename = await parts.ReadTextPartAsync(ct);
            }
            else if (name == "file" && received < 0)
            {
                using var sink = new ChunkSink(upload, start, length);
                received = await parts.ReadPartAsync(sink.WriteAsync, ct);
                await sink.CompleteAsync(received);
            }
            else
            {
                await parts.ReadPartAsync(static _ => ValueTask.CompletedTask, ct);
            }
        }

        if (received < 0) return ("No chunk file was submitted", filename);
        if (received == 0) return ("The submitted file is empty.", filename);
        if (received != length) return ("File size doesn't match headers", filename);
        return (null, filename);
    }

    /// <summary>
    /// Appends one chunk to the upload's .part file, hashing the same 1 MiB blocks it writes. Commits the offset
    /// and the MD5 only for a chunk of exactly the announced size; otherwise the file is cut back.
    /// </summary>
    private sealed class ChunkSink : IDisposable
    {
        private readonly StoredUpload _upload;
        private readonly long _start;
        private readonly long _length;
        private readonly IncrementalHash _hash;
        private readonly FileStream _file;
        private readonly byte[] _block = ArrayPool<byte>.Shared.Rent(BufferSize);
        private int _filled;
        private long _seen;
        private bool _committed;

        public ChunkSink(StoredUpload upload, long start, long length)
        {
            _upload = upload;
            _start = start;
            _length = length;
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
                if (_seen > _length) continue;   // too long: keep counting to answer, store nothing more
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
            if (received != _length) return;
            await FlushAsync();
            _upload.Md5.Dispose();
            _upload.Md5 = _hash;
            _upload.Offset = _start + _length;
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

    private async Task CompleteAsync(HttpContext ctx, StoredUpload upload)
    {
        if (IsExpired(upload)) { await DiscardAndReplyAsync(ctx, 410, new { detail = "Upload has expired" }); return; }
        string? md5 = null;
        if (ctx.Request.HasFormContentType)
        {
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
            md5 = form["md5"].ToString();
        }
        if (string.IsNullOrEmpty(md5)) { await ReplyAsync(ctx, 400, new { detail = "md5 is required" }); return; }

        await upload.Gate.WaitAsync(ctx.RequestAborted);
        try
        {
            if (upload.IsComplete) { await ReplyAsync(ctx, 400, new { detail = "Upload has already been marked as \"complete\"" }); return; }
            // Like drf-chunked-upload: the MD5 of what is held decides, whatever the client meant to send.
            if (!string.Equals(md5, upload.Md5Hex(), StringComparison.OrdinalIgnoreCase))
            {
                await ReplyAsync(ctx, 400, new { detail = "checksum does not match" });
                return;
            }
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
        await ReplyAsync(ctx, 200, Record(upload));
    }

    private bool IsExpired(StoredUpload upload) =>
        options.Expiry is { } e && !upload.IsComplete && DateTimeOffset.UtcNow > upload.CreatedAt + e;

    private Dictionary<string, object?> Record(StoredUpload u) => new()
    {
        ["id"] = u.Id,
        ["url"] = new Uri(baseUrl(), $"chunked_upload/{u.Id}/").AbsoluteUri,
        ["file"] = u.IsComplete ? new Uri(baseUrl(), $"media/{u.Id}").AbsoluteUri : null,
        ["filename"] = u.Filename,
        ["offset"] = u.Offset,
        ["created_at"] = u.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
        ["status"] = u.IsComplete ? "complete" : "uploading",
        ["completed_at"] = u.CompletedAt?.ToString("O", CultureInfo.InvariantCulture),
        ["expires"] = options.Expiry is { } e ? (u.CreatedAt + e).ToString("O", CultureInfo.InvariantCulture) : null,
    };

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

    /// <summary>Reads what is left of the body (as a proxy in front of Django would have), then answers.</summary>
    private static async Task DiscardAndReplyAsync(HttpContext ctx, int status, object body)
    {
        try { await ctx.Request.Body.CopyToAsync(Stream.Null, ctx.RequestAborted); }
        catch (Exception ex) when (ex is IOException or BadHttpRequestException or InvalidOperationException) { }
        await ReplyAsync(ctx, status, body);
    }

    internal static async Task ReplyAsync(HttpContext ctx, int status, object body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonSerializer.Serialize(body), ctx.RequestAborted);
    }
}

/// <summary>What the log should say about a request, filled in while handling it.</summary>
internal sealed class RequestNote
{
    public string? Fault { get; set; }
    public string? UploadId { get; set; }
    public bool Aborted { get; set; }
}
