using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SynapsePS.DevServer.Tests;

/// <summary>How a finish request carries its md5: DRF's default parsers take all three.</summary>
public enum FinishEncoding { Json, Form, Multipart }

/// <summary>
/// Requests crafted by hand, as a drf-chunked-upload client would send them, for tests of the server itself
/// (never through the SynapsePS client library).
/// </summary>
internal static class RawRequests
{
    public const string TokenA = ServerFixture.Token;
    public const string TokenB = ServerFixture.OtherToken;

    /// <summary>PUT of one chunk: multipart 'filename' (when given) and 'file', Content-Range (when given).</summary>
    public static HttpRequestMessage Chunk(Uri url, byte[] content, string? range, string? token = TokenA, string? filename = "data.bin")
    {
        var form = new MultipartFormDataContent();
        if (filename is not null) form.Add(new StringContent(filename), "filename");
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", "chunk");
        if (range is not null) form.Headers.TryAddWithoutValidation("Content-Range", range);
        return WithToken(new HttpRequestMessage(HttpMethod.Put, url) { Content = form }, token);
    }

    public static string Range(long start, long length, long total) => $"bytes {start}-{start + length - 1}/{total}";

    public static HttpRequestMessage Finish(Uri url, string md5, FinishEncoding encoding = FinishEncoding.Form, string? token = TokenA)
    {
        HttpContent content = encoding switch
        {
            FinishEncoding.Json => new StringContent(JsonSerializer.Serialize(new { md5 }), Encoding.UTF8, "application/json"),
            FinishEncoding.Form => new FormUrlEncodedContent(new Dictionary<string, string> { ["md5"] = md5 }),
            _ => new MultipartFormDataContent { { new StringContent(md5), "md5" } },
        };
        return WithToken(new HttpRequestMessage(HttpMethod.Post, url) { Content = content }, token);
    }

    public static HttpRequestMessage Get(Uri url, string? token = TokenA) => WithToken(new HttpRequestMessage(HttpMethod.Get, url), token);

    public static HttpRequestMessage WithToken(HttpRequestMessage request, string? token)
    {
        if (token is not null) request.Headers.TryAddWithoutValidation("Synapse-Access-Token", "Token " + token);
        return request;
    }

    /// <summary>Sends and reads the JSON answer (a detached copy: the document is gone by then).</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return (response.StatusCode, doc.RootElement.Clone());
    }

    /// <summary>Creates an upload with its first chunk; returns its record.</summary>
    public static async Task<JsonElement> CreateAsync(HttpClient http, Uri baseUrl, byte[] first, long total, string? token = TokenA, string filename = "data.bin")
    {
        var (status, record) = await SendAsync(http, Chunk(new Uri(baseUrl, "chunked_upload/"), first, Range(0, first.Length, total), token, filename));
        Assert.Equal(HttpStatusCode.OK, status);
        return record;
    }

    public static Uri UrlOf(JsonElement record) => new(record.GetProperty("url").GetString()!);

    public static byte[] Bytes(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Md5(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(MD5.HashData(bytes));

    public static string Detail(JsonElement body) => body.GetProperty("detail").ToString();

    public static string[] Keys(JsonElement body) => body.EnumerateObject().Select(p => p.Name).ToArray();
}
