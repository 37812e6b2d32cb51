using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;

namespace SynapsePS.Protocol;

/// <summary>The server's record of a chunked upload, as drf-chunked-upload serializes it.</summary>
internal sealed class UploadRecord
{
    private UploadRecord(string id, Uri url, long offset, string? status, bool isComplete, IReadOnlyDictionary<string, object?> fields)
    {
        Id = id;
        Url = url;
        Offset = offset;
        Status = status;
        IsComplete = isComplete;
        Fields = fields;
    }

    /// <summary>drf-chunked-upload's own labels for its integer statuses.</summary>
    public const string IncompleteName = ChunkedUploadRecord.IncompleteStatus;
    public const string CompleteName = ChunkedUploadRecord.CompleteStatus;

    public string Id { get; }
    public Uri Url { get; }
    public long Offset { get; }

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

    public static UploadRecord Parse(string json, Uri requestUrl)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return FromElement(doc.RootElement, requestUrl, json);
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
    public static (IReadOnlyList<UploadRecord> Records, Uri? Next) ParseList(string json, Uri requestUrl)
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
            foreach (var item in items.EnumerateArray()) records.Add(FromElement(item, requestUrl, json));
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

    private static UploadRecord FromElement(JsonElement root, Uri requestUrl, string json)
    {
        if (root.ValueKind != JsonValueKind.Object) throw Bad("the reply is not a JSON object", json);

        var fields = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in root.EnumerateObject()) fields[p.Name] = ToClr(p.Value);

        var id = fields.TryGetValue("id", out var i) && i is not null ? Convert.ToString(i, CultureInfo.InvariantCulture)! : null;
        if (string.IsNullOrEmpty(id)) throw Bad("the reply has no 'id'", json);

        if (!root.TryGetProperty("offset", out var off) || off.ValueKind != JsonValueKind.Number || !off.TryGetInt64(out var offset) || offset < 0)
            throw Bad("the reply has no valid 'offset'", json);

        // 'url' is absolute on Synapse; a relative one is taken against the request, as a browser would.
        Uri url;
        if (root.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String && Uri.TryCreate(requestUrl, u.GetString(), out var parsed))
            url = parsed;
        else
            url = new Uri(requestUrl, $"{id}/");

        string? status = fields.TryGetValue("status", out var s) ? Convert.ToString(s, CultureInfo.InvariantCulture) : null;
        var completed = fields.TryGetValue("completed_at", out var c) && c is not null;
        // drf-chunked-upload's COMPLETE is 2; servers that render the choice say "complete".
        var isComplete = completed || status is "2" || string.Equals(status, "complete", StringComparison.OrdinalIgnoreCase)
                         || string.Equals(status, "completed", StringComparison.OrdinalIgnoreCase);
        return new UploadRecord(id!, url, offset, status, isComplete, fields);
    }

    private static SynapseClientException NotJson(JsonException ex, string json) =>
        new(SynapseErrorKind.UnexpectedResponse, $"The server's reply is not valid JSON: {ex.Message}", responseBody: Truncate(json), inner: ex);

    /// <summary>Reads <c>detail</c> and <c>expected_offset</c> from an error body, tolerating non-JSON bodies.</summary>
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
            long? expected = null;
            if (root.TryGetProperty("expected_offset", out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var eo))
                expected = eo;
            return (detail, expected);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    internal static string Truncate(string? s, int max = 4096) =>
        s is null ? "" : s.Length <= max ? s : s.Substring(0, max) + "…";

    private static SynapseClientException Bad(string what, string json) =>
        new(SynapseErrorKind.UnexpectedResponse, $"The server's reply breaks the chunked-upload protocol: {what}.", responseBody: Truncate(json));

    private static object? ToClr(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),   // (object): a ternary of long and double would make every number a double
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => e.GetRawText(),
    };
}
