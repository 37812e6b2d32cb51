using System;
using System.Collections.Generic;
using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace SynapsePS.Protocol;

/// <summary>The server's record of a chunked upload, as drf-chunked-upload serializes it.</summary>
internal sealed class UploadRecord
{
    private UploadRecord(string id, Uri url, Uri? serverUrl, long offset, string? status, bool isComplete,
        string? checksum, long? size, IReadOnlyDictionary<string, object?> fields)
    {
        Id = id;
        Url = url;
        ServerUrl = serverUrl;
        Offset = offset;
        Status = status;
        IsComplete = isComplete;
        Checksum = checksum;
        Size = size;
        Fields = fields;
    }

    /// <summary>drf-chunked-upload's own labels for its integer statuses.</summary>
    public const string IncompleteName = ChunkedUploadRecord.IncompleteStatus;
    public const string CompleteName = ChunkedUploadRecord.CompleteStatus;

    /// <summary>The id as the JSON value's text: a UUID on stock drf-chunked-upload, an integer (of any size) on Synapse.</summary>
    public string Id { get; }

    /// <summary>Where this upload's later requests go: the server's <c>url</c> when it is under the base URL, else <c>{base}chunked_upload/{id}/</c>.</summary>
    public Uri Url { get; }

    /// <summary>The <c>url</c> the server sent (made absolute against the request), or null when it sent none.</summary>
    public Uri? ServerUrl { get; }

    /// <summary>True when the server named a <c>url</c> outside the base URL, which the client does not use.</summary>
    public bool ServerUrlReplaced => ServerUrl is not null && ServerUrl != Url;

    public long Offset { get; }

    /// <summary>The <c>checksum</c> of a Synapse finish reply (the MD5 the server holds), when sent.</summary>
    public string? Checksum { get; }

    /// <summary>The <c>size</c> of a Synapse finish reply (the bytes the server holds), when sent.</summary>
    public long? Size { get; }

    /// <summary>The status as the server sent it: 1 or 2 from drf-chunked-upload, a word from others.</summary>
    public string? Status { get; }

    /// <summary>The status by name: Incomplete, Complete, or the server's own word.</summary>
    public string? StatusName => Status switch
    {
        null => null,
        "1" => IncompleteName,
        "2" => CompleteName,
        _ when string.Equals(Status, "complete", StringComparison.OrdinalIgnoreCase) => CompleteName,
        _ when string.Equals(Status, "completed", StringComparison.OrdinalIgnoreCase) => CompleteName,
        _ when string.Equals(Status, "incomplete", StringComparison.OrdinalIgnoreCase) => IncompleteName,
        _ when string.Equals(Status, "uploading", StringComparison.OrdinalIgnoreCase) => IncompleteName,
        _ => Status,
    };
    public bool IsComplete { get; }
    public IReadOnlyDictionary<string, object?> Fields { get; }

    /// <summary>Reads a record; <paramref name="baseUrl"/> decides whether the server's <c>url</c> may be used.</summary>
    public static UploadRecord Parse(string json, Uri requestUrl, Uri baseUrl)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return FromElement(doc.RootElement, requestUrl, baseUrl, json);
        }
        catch (JsonException ex)
        {
            throw NotJson(ex, json);
        }
    }

    /// <summary>
    /// Reads a listing (GET chunked_upload/): a JSON array of records, or DRF's paginated object with
    /// <c>results</c> and <c>next</c>. Returns the records and the next page's URL, if any.
    /// </summary>
    public static (IReadOnlyList<UploadRecord> Records, Uri? Next) ParseList(string json, Uri requestUrl, Uri baseUrl)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            JsonElement items;
            Uri? next = null;
            if (root.ValueKind == JsonValueKind.Array)
            {
                items = root;
            }
            else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("results", out items) && items.ValueKind == JsonValueKind.Array)
            {
                if (root.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(n.GetString()))
                {
                    if (!Uri.TryCreate(requestUrl, n.GetString(), out next)) throw Bad("the listing's 'next' is not a URL", json);
                }
            }
            else
            {
                throw Bad("the listing is neither a JSON array nor an object with 'results'", json);
            }

            var records = new List<UploadRecord>(items.GetArrayLength());
            foreach (var item in items.EnumerateArray()) records.Add(FromElement(item, requestUrl, baseUrl, json));
            return (records, next);
        }
        catch (JsonException ex)
        {
            throw NotJson(ex, json);
        }
    }

    /// <summary>The public form of this record.</summary>
    public ChunkedUploadRecord ToChunkedUploadRecord() =>
        new(Id, Fields.TryGetValue("filename", out var f) ? f as string : null, Offset, StatusName ?? (IsComplete ? CompleteName : null),
            DateField("created_at"), DateField("completed_at"), Url, Fields);

    private DateTimeOffset? DateField(string name) =>
        Fields.TryGetValue(name, out var value) && value is string text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed : null;

    private static UploadRecord FromElement(JsonElement root, Uri requestUrl, Uri baseUrl, string json)
    {
        if (root.ValueKind != JsonValueKind.Object) throw Bad("the reply is not a JSON object", json);

        var fields = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in root.EnumerateObject()) fields[p.Name] = ToClr(p.Value);

        // The id is opaque: keep the JSON value's own text, so an integer of any size stays exact.
        var id = root.TryGetProperty("id", out var idElement) ? TextOf(idElement) : null;
        if (string.IsNullOrEmpty(id)) throw Bad("the reply has no 'id'", json);

        if (!root.TryGetProperty("offset", out var off) || off.ValueKind != JsonValueKind.Number || !off.TryGetInt64(out var offset) || offset < 0)
            throw Bad("the reply has no valid 'offset'", json);

        // 'url' is absolute on Synapse; a relative one is taken against the request, as a browser would.
        Uri? serverUrl = null;
        if (root.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String && Uri.TryCreate(requestUrl, u.GetString(), out var parsed))
            serverUrl = parsed;
        var url = UploadOrigin.UrlFor(baseUrl, id!, serverUrl);

        string? status = root.TryGetProperty("status", out var s) ? TextOf(s) : null;
        var completed = fields.TryGetValue("completed_at", out var c) && c is not null;
        // drf-chunked-upload's COMPLETE is 2; servers that render the choice say "complete".
        var isComplete = completed || status is "2" || string.Equals(status, "complete", StringComparison.OrdinalIgnoreCase)
                         || string.Equals(status, "completed", StringComparison.OrdinalIgnoreCase);
        var checksum = root.TryGetProperty("checksum", out var cs) && cs.ValueKind == JsonValueKind.String ? cs.GetString() : null;
        long? size = root.TryGetProperty("size", out var sz) && long.TryParse(TextOf(sz), NumberStyles.None, CultureInfo.InvariantCulture, out var sizeValue) ? sizeValue : null;
        return new UploadRecord(id!, url, serverUrl, offset, status, isComplete, checksum, size, fields);
    }

    private static SynapseClientException NotJson(JsonException ex, string json) =>
        new(SynapseErrorKind.UnexpectedResponse, $"The server's reply is not valid JSON: {ex.Message}", responseBody: Truncate(json), inner: ex);

    /// <summary>
    /// Reads <c>detail</c> and the server's offset from an error body, tolerating non-JSON bodies. The offset is
    /// <c>expected_offset</c> (drf-chunked-upload 0.6) or <c>offset</c> (0.5).
    /// </summary>
    public static (string? Detail, long? ExpectedOffset) ParseError(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return (null, null);
        try
        {
            using var doc = JsonDocument.Parse(body!);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return (null, null);
            string? detail = null;
            if (root.TryGetProperty("detail", out var d))
                detail = d.ValueKind == JsonValueKind.String ? d.GetString() : d.GetRawText();
            return (detail, OffsetIn(root, "expected_offset") ?? OffsetIn(root, "offset"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>A string's value or a number's own text (exact, whatever its size); null for anything else.</summary>
    private static string? TextOf(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        _ => null,
    };

    private static long? OffsetIn(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var value) ? value : null;

    internal static string Truncate(string? s, int max = 4096) =>
        s is null ? "" : s.Length <= max ? s : s.Substring(0, max) + "…";

    private static SynapseClientException Bad(string what, string json) =>
        new(SynapseErrorKind.UnexpectedResponse, $"The server's reply breaks the chunked-upload protocol: {what}.", responseBody: Truncate(json));

    private static object? ToClr(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => NumberOf(e),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => e.GetRawText(),
    };

    /// <summary>A long where it fits, an exact BigInteger for a larger integer, a double for a fraction.</summary>
    private static object NumberOf(JsonElement e)
    {
        if (e.TryGetInt64(out var l)) return l;
        var text = e.GetRawText();
        if (text.IndexOfAny(new[] { '.', 'e', 'E' }) < 0 && BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big))
            return big;
        return e.GetDouble();
    }
}
