using System.Globalization;
using System.Text.RegularExpressions;
using SynapsePS.DevServer.Storage;
using static SynapsePS.DevServer.Endpoints.Replies;

namespace SynapsePS.DevServer.Endpoints;

/// <summary>
/// The chunked-upload API answering as drf-chunked-upload 0.6's ChunkedUploadView does:
/// GET chunked_upload/ (the caller's uploads, unpaginated), PUT chunked_upload/ and chunked_upload/{id}/
/// (multipart 'filename' + 'file', Content-Range), GET chunked_upload/{id}/ (the record),
/// POST chunked_upload/{id}/ (md5 → complete), POST chunked_upload/ (a whole file and its md5 in one go).
/// This part routes and authenticates; the chunks, the finish and drf's refusals have their own classes.
/// Refusals carry drf's texts and come in drf's order: a request refused before its body is read has the
/// body read (and counted) all the same.
/// </summary>
internal sealed partial class ChunkedUploadEndpoints
{
    private const string AllowedMethods = "GET, PUT, POST";

    private readonly DevServerOptions _options;
    private readonly UploadStore _store;
    private readonly UploadRecords _records;
    private readonly ChunkPutHandler _chunks;
    private readonly FinishHandler _finish;

    public ChunkedUploadEndpoints(DevServerOptions options, UploadStore store, FaultInjector faults, UploadRecords records)
    {
        _options = options;
        _store = store;
        _records = records;
        var refusals = new DrfRefusals(options, store);
        _chunks = new ChunkPutHandler(options, store, faults, records, refusals);
        _finish = new FinishHandler(options, store, records, refusals);
    }

    [GeneratedRegex(@"^/chunked_upload/([0-9a-zA-Z_-]+)/$")]
    private static partial Regex UploadPathPattern();

    public async Task HandleAsync(HttpContext ctx, RequestNote note)
    {
        var path = ctx.Request.Path.Value ?? "";
        var method = ctx.Request.Method;
        if (method is "PUT" or "POST" && _options.Faults.RefusalAt(DateTimeOffset.UtcNow) is { } refused)
        {
            await RefuseAsync(ctx, note, refused);
            return;
        }
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
            case ("PUT", _): await _chunks.PutAsync(ctx, note, id, FindOwn(id, owner), owner); break;
            case ("POST", null): await _finish.WholeFileAsync(ctx, note, owner); break;
            case ("POST", _): await _finish.FinishAsync(ctx, FindOwn(id, owner)); break;
            case ("GET", _):
                if (FindOwn(id, owner) is { } upload) await ReplyAsync(ctx, 200, _records.Record(ctx, upload));
                else await ReplyAsync(ctx, 404, new { detail = "Not found." });
                break;
            default:
                ctx.Response.Headers.Allow = AllowedMethods;
                await DiscardAndReplyAsync(ctx, 405, new { detail = $"Method \"{method}\" not allowed." });
                break;
        }
    }

    /// <summary>A refusal window's answer, given before routing or auth, as the front of a real server gives it.</summary>
    /// <summary>A request over the capacity (--max-inflight): 503 without Retry-After, as nginx's limit_conn answers.</summary>
    public async Task RefuseForCapacityAsync(HttpContext ctx, RequestNote note)
    {
        note.Fault = "max-inflight";
        await DiscardAndReplyAsync(ctx, 503, new { detail = "Service temporarily unavailable, try again later." });
    }

    private async Task RefuseAsync(HttpContext ctx, RequestNote note, int status)
    {
        note.Fault = "refuse-" + status.ToString(CultureInfo.InvariantCulture);
        if (_options.Faults.RefuseRetryAfterSeconds is { } after) ctx.Response.Headers.RetryAfter = after.ToString(CultureInfo.InvariantCulture);
        var detail = status switch
        {
            403 => "You do not have permission to perform this action.",       // DRF's PermissionDenied
            429 => "Request was throttled.",
            503 => "Service temporarily unavailable, try again later.",         // DRF's ServiceUnavailable
            507 => "Insufficient storage",
            _ => "Refused by the server's refusal window.",
        };
        await DiscardAndReplyAsync(ctx, status, new { detail });
    }

    /// <summary>The caller's token, or null when it is refused. A server without tokens takes anyone.</summary>
    private string? Authenticate(HttpContext ctx)
    {
        var header = ctx.Request.Headers["Synapse-Access-Token"].ToString();
        var token = header.StartsWith("Token ", StringComparison.Ordinal) ? header["Token ".Length..].Trim() : "";
        return _options.Tokens.Count == 0 || _options.Tokens.Contains(token) ? token : null;
    }

    /// <summary>An upload the caller may see: drf filters the queryset by user, so another's is simply not found.</summary>
    private StoredUpload? FindOwn(string? id, string owner) =>
        id is not null && _store.Find(id) is { } u && u.Owner == owner ? u : null;

    private async Task ListAsync(HttpContext ctx, string owner)
    {
        // drf's view lists with the project's default pagination, which DRF leaves off: a plain JSON list.
        var mine = _store.All.Where(u => u.Owner == owner).OrderBy(u => u.CreatedAt).Select(u => _records.Record(ctx, u)).ToList();
        await ReplyAsync(ctx, 200, mine);
    }
}
