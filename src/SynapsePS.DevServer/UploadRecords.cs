using System.Globalization;
using SynapsePS.DevServer.Storage;

namespace SynapsePS.DevServer;

/// <summary>
/// The upload record as the server answers it. drf-chunked-upload 0.6's serializer ('__all__' fields of its
/// model plus url): id, url, file, filename, offset, created_at, status (1 Incomplete, 2 Complete),
/// completed_at, user. The Synapse shape numbers its ids and adds checksum and size to the finish reply.
/// </summary>
internal sealed class UploadRecords(DevServerOptions options, Func<Uri> ownBaseUrl)
{
    public const int Incomplete = 1;
    public const int Complete = 2;

    public Dictionary<string, object?> Record(HttpContext ctx, StoredUpload u)
    {
        var root = BaseFor(ctx);
        // drf's FileField holds chunked_uploads/%Y/%m/%d/<id>.part, renamed to .done on completion, and its
        // serializer writes the media URL of it.
        var media = $"media/chunked_uploads/{u.CreatedAt.UtcDateTime:yyyy'/'MM'/'dd}/{u.Id}{(u.IsComplete ? ".done" : ".part")}";
        return new Dictionary<string, object?>
        {
            ["id"] = options.RecordShape == RecordShape.Synapse ? long.Parse(u.Id, CultureInfo.InvariantCulture) : u.Id,
            ["url"] = new Uri(root, $"chunked_upload/{u.Id}/").AbsoluteUri,
            ["file"] = new Uri(root, media).AbsoluteUri,
            ["filename"] = u.Filename,
            ["offset"] = u.Offset,
            ["created_at"] = DrfDateTime(u.CreatedAt),
            ["status"] = u.IsComplete ? Complete : Incomplete,
            ["completed_at"] = u.CompletedAt is { } c ? DrfDateTime(c) : null,
            ["user"] = u.User,
        };
    }

    /// <summary>The finish reply: the record, and in the Synapse shape what the server verified (or, with a lie fault, claims).</summary>
    public Dictionary<string, object?> FinishRecord(HttpContext ctx, StoredUpload u, string storedMd5)
    {
        var record = Record(ctx, u);
        if (options.RecordShape != RecordShape.Synapse) return record;
        var lie = options.Faults.FinishLie;
        record["checksum"] = lie == FaultOptions.LieAboutChecksum ? OtherHex(storedMd5) : storedMd5;
        record["size"] = lie == FaultOptions.LieAboutSize ? u.Offset + 1 : u.Offset;
        return record;
    }

    /// <summary>
    /// Where records point: the advertised base, else the request's own scheme and Host, as Django's
    /// build_absolute_uri does (so a request through a proxy to synapse.test gets synapse.test urls back).
    /// </summary>
    private Uri BaseFor(HttpContext ctx)
    {
        if (options.AdvertiseUrl is { } advertised)
            return advertised.AbsolutePath.EndsWith('/') ? advertised : new Uri(advertised.AbsoluteUri + "/");
        return ctx.Request.Host.HasValue && Uri.TryCreate($"{ctx.Request.Scheme}://{ctx.Request.Host.Value}/", UriKind.Absolute, out var own)
            ? own
            : ownBaseUrl();
    }

    /// <summary>DRF's DateTimeField output: isoformat() in UTC with 'Z', microseconds only when there are any.</summary>
    private static string DrfDateTime(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        var micro = utc.Ticks % TimeSpan.TicksPerSecond / 10;
        return micro == 0
            ? utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + micro.ToString("D6", CultureInfo.InvariantCulture) + "Z";
    }

    private static string OtherHex(string hex) => (hex[0] == '0' ? "1" : "0") + hex[1..];
}
