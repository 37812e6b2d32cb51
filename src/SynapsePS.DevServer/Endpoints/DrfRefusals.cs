using System.Globalization;
using System.Text.RegularExpressions;
using SynapsePS.DevServer.Storage;

namespace SynapsePS.DevServer.Endpoints;

/// <summary>Where in drf's handling a refusal arises: the file part, the headers, the file's size, the upload, the fields.</summary>
internal enum Stage { File, Headers, Size, Upload, Fields }

internal sealed record Refusal(Stage Stage, int Status, object Body);

/// <summary>A Content-Range header: bytes START-END/TOTAL, END inclusive.</summary>
internal readonly partial record struct ChunkRange(long Start, long End, long Total)
{
    public long Length => End - Start + 1;

    [GeneratedRegex(@"^bytes (\d+)-(\d+)/(\d+)$")]
    private static partial Regex Pattern();

    public static ChunkRange? Parse(string header)
    {
        var m = Pattern().Match(header);
        return m.Success
            && long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            && long.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var end)
            && long.TryParse(m.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var total)
            ? new ChunkRange(start, end, total)
            : null;
    }
}

/// <summary>
/// The refusals of a chunk or finish request with drf's texts, and the order drf reaches them in (the file part,
/// the headers, the file's size, the upload, the fields), although the body streams to disk instead of being
/// parsed first.
/// </summary>
internal sealed class DrfRefusals(DevServerOptions options, UploadStore store)
{
    public Refusal? HeaderRefusal(ChunkRange? range) => range switch
    {
        null => new(Stage.Headers, 400, new { detail = "Error in request headers" }),
        // drf lets end == total through; so does this server.
        { End: var end, Total: var total } when end > total => new(Stage.Headers, 400, new { detail = $"End of chunk exceeds reported total ({total} bytes)" }),
        // drf answers 400 here; Synapse's proxy refuses with 413, which is what clients must handle.
        { Total: var total } when options.MaxUploadBytes is { } max && total > max => new(Stage.Headers, 413, new { detail = $"Size of file exceeds the limit ({max} bytes)" }),
        _ => null,
    };

    public Refusal? UploadRefusal(StoredUpload? upload) =>
        upload is null ? new(Stage.Upload, 404, new { detail = "Not found." })
        : IsExpired(upload) ? new(Stage.Upload, 410, new { detail = "Upload has expired" })
        : upload.IsComplete ? new(Stage.Upload, 400, new { detail = "Upload has already been marked as \"complete\"" })
        : null;

    public Refusal? OffsetRefusal(StoredUpload upload, long start)
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

    public Refusal? QuotaRefusal(long length) =>
        options.QuotaBytes is { } quota && store.StoredBytes + Math.Max(0, length) > quota
            ? new(Stage.Upload, 507, new { detail = "Insufficient storage" })
            : null;

    public static Refusal? BodyRefusal(ReceivedBody body, ChunkRange? range, bool isNew)
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
    public async Task RefuseAfterBodyAsync(HttpContext ctx, Refusal refusal, ChunkRange? range, bool isNew)
    {
        var body = await RequestBodies.ReceiveAsync(ctx, target: null, options);
        var first = First(refusal, BodyRefusal(body, HeaderRefusal(range) is null ? range : null, isNew))!;
        await Replies.ReplyAsync(ctx, first.Status, first.Body);
    }

    /// <summary>The refusal drf would reach first.</summary>
    public static Refusal? First(params Refusal?[] refusals) =>
        refusals.Where(r => r is not null).OrderBy(r => r!.Stage).FirstOrDefault();

    private bool IsExpired(StoredUpload upload) =>
        options.Expiry is { } e && !upload.IsComplete && DateTimeOffset.UtcNow > upload.CreatedAt + e;
}
