using SynapsePS.DevServer.Storage;
using static SynapsePS.DevServer.Endpoints.Replies;

namespace SynapsePS.DevServer.Endpoints;

/// <summary>
/// POST chunked_upload/{id}/ (md5: complete the upload when the MD5 of what is held matches) and POST
/// chunked_upload/ (a whole file and its md5 in one request).
/// </summary>
internal sealed class FinishHandler(DevServerOptions options, UploadStore store, UploadRecords records, DrfRefusals refusals)
{
    private const string ChecksumRequired = "Checksum of type 'md5' is required";

    public async Task FinishAsync(HttpContext ctx, StoredUpload? upload)
    {
        var (fields, refusal) = await RequestBodies.ReadFieldsAsync(ctx, options);
        if (refusal is not null) { await ReplyAsync(ctx, refusal.Status, refusal.Body); return; }
        // drf asks for the checksum before it looks the upload up.
        if (!fields.TryGetValue("md5", out var md5) || string.IsNullOrEmpty(md5)) { await ReplyAsync(ctx, 400, new { detail = ChecksumRequired }); return; }
        if (upload is null) { await ReplyAsync(ctx, 404, new { detail = "Not found." }); return; }
        await CompleteAsync(ctx, upload, md5);
    }

    public async Task WholeFileAsync(HttpContext ctx, RequestNote note, string owner)
    {
        if (RequestBodies.Unsupported(ctx, options.JsonOnly) is { } unsupported) { await DiscardAndReplyAsync(ctx, 415, unsupported); return; }
        var upload = store.Create(owner);
        note.UploadId = upload.Id;
        var kept = false;
        try
        {
            ReceivedBody body;
            await upload.Gate.WaitAsync(ctx.RequestAborted);
            try
            {
                body = await RequestBodies.ReceiveAsync(ctx, new ChunkTarget(upload, 0, Length: null), options);
                var whole = new ChunkRange(0, body.FileSize - 1, body.FileSize);
                var refusal = DrfRefusals.First(DrfRefusals.BodyRefusal(body, whole, isNew: true), refusals.HeaderRefusal(whole), refusals.QuotaRefusal(0));
                if (refusal is not null) { await ReplyAsync(ctx, refusal.Status, refusal.Body); return; }
                upload.Filename = body.Filename!.Trim();
                kept = true;   // drf has saved the upload; a missing or wrong checksum leaves it incomplete
                store.Save(upload);
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
            if (refusals.UploadRefusal(upload) is { } refusal) { await ReplyAsync(ctx, refusal.Status, refusal.Body); return; }
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
            store.Save(upload);
        }
        finally
        {
            upload.Gate.Release();
        }
        await ReplyAsync(ctx, 200, records.FinishRecord(ctx, upload, held));
    }
}
