using System.Text.Json;

namespace SynapsePS.DevServer.Endpoints;

/// <summary>JSON answers as DRF's JSONRenderer writes them.</summary>
internal static class Replies
{
    // Non-ASCII as is, quotes as \" (not \u0022).
    private static readonly JsonSerializerOptions s_json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task ReplyAsync(HttpContext ctx, int status, object body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(Json(body), ctx.RequestAborted);
    }

    public static string Json(object body) => JsonSerializer.Serialize(body, s_json);

    /// <summary>Reads what is left of the body (as a proxy in front of Django would have), then answers.</summary>
    public static async Task DiscardAndReplyAsync(HttpContext ctx, int status, object body)
    {
        await RequestBodies.DiscardAsync(ctx);
        await ReplyAsync(ctx, status, body);
    }
}
