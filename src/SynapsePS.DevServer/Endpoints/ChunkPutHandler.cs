using System.Globalization;
using SynapsePS.DevServer.Storage;
using static SynapsePS.DevServer.Endpoints.Replies;

namespace SynapsePS.DevServer.Endpoints;

/// <summary>
/// PUT chunked_upload/ (a new upload from its first chunk) and PUT chunked_upload/{id}/ (the next chunk), with
/// the faults the options ask for rolled per chunk.
/// </summary>
internal sealed class ChunkPutHandler(DevServerOptions options, UploadStore store, FaultInjector faults, UploadRecords records, DrfRefusals refusals)
{
    public async Task PutAsync(HttpContext ctx, RequestNote note, string? id, StoredUpload? upload, string owner)
    {
        if (RequestBodies.Unsupported(ctx, jsonOnly: false) is { } unsupported) { await DiscardAndReplyAsync(ctx, 415, unsupported); return; }
        var range = ChunkRange.Parse(ctx.Request.Headers["Content-Range"].ToString());
        var refusal = refusals.HeaderRefusal(range) ?? (id is null ? null : refusals.UploadRefusal(upload));
        if (refusal is not null) { await refusals.RefuseAfterBodyAsync(ctx, refusal, range, isNew: id is null); return; }
        var chunk = range!.Value;

        // A new upload has no id before its body is read, so all first chunks of one owner share a key and one
        // file's success resets the cap for the others: tests that inject faults into many new uploads allow more retries.
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
                await RequestBodies.ReadSomeAsync(ctx);
                note.Aborted = true;
                ctx.Abort();
                return;
            case FaultKind.Stall:
                await RequestBodies.ReadSomeAsync(ctx);
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
            refusal = (isNew ? null : refusals.OffsetRefusal(upload, chunk.Start)) ?? refusals.QuotaRefusal(chunk.Length);
            if (refusal is not null) { await refusals.RefuseAfterBodyAsync(ctx, refusal, range, isNew); return; }

            var body = await RequestBodies.ReceiveAsync(ctx, new ChunkTarget(upload, isNew ? 0 : chunk.Start, chunk.Length), options);
            refusal = DrfRefusals.BodyRefusal(body, range, isNew);
            if (refusal is not null) { await ReplyAsync(ctx, refusal.Status, refusal.Body); return; }
            if (isNew) upload.Filename = body.Filename!.Trim();
            accepted = true;
            store.Save(upload);
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
}
