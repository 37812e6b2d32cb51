using SynapsePS.Connections;
using SynapsePS.Protocol;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>Reading listings and the public record, and which URLs may carry the token (no server needed).</summary>
public sealed class ChunkedUploadRecordTests
{
    private static readonly Uri Base = new("http://127.0.0.1:5000/api/");
    private static readonly Uri List = new("http://127.0.0.1:5000/api/chunked_upload/");

    private const string Drf = """
        {"id": "5b0c7a4e-1f1d-4f0b-9a55-8e3c2d1b0a99", "url": "http://127.0.0.1:5000/api/chunked_upload/5b0c7a4e-1f1d-4f0b-9a55-8e3c2d1b0a99/",
         "file": "http://127.0.0.1:5000/media/x.done", "filename": "a b.bin", "offset": 65536, "created_at": "2026-11-25T10:00:00.123456Z",
         "status": 2, "completed_at": "2026-11-25T10:05:00Z", "user": 3}
        """;

    [Fact]
    public void A_drf_record_becomes_a_public_record_with_names_and_times()
    {
        var r = UploadRecord.Parse(Drf, List, Base).ToChunkedUploadRecord();

        Assert.Equal("5b0c7a4e-1f1d-4f0b-9a55-8e3c2d1b0a99", r.Id);
        Assert.Equal("a b.bin", r.FileName);
        Assert.Equal(65536, r.Offset);
        Assert.Equal("Complete", r.Status);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero).AddTicks(1234560), r.CreatedAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 5, 0, TimeSpan.Zero), r.CompletedAt);
        Assert.Equal("http://127.0.0.1:5000/api/chunked_upload/5b0c7a4e-1f1d-4f0b-9a55-8e3c2d1b0a99/", r.Url.AbsoluteUri);
        Assert.Equal(3L, r.ServerRecord["user"]);
    }

    [Theory]
    [InlineData("1", "Incomplete")]
    [InlineData("2", "Complete")]
    [InlineData("\"complete\"", "Complete")]
    [InlineData("\"uploading\"", "Incomplete")]
    [InlineData("\"queued\"", "queued")]
    public void Status_comes_by_name(string status, string name)
    {
        var r = UploadRecord.Parse($$"""{"id": 7, "offset": 10, "status": {{status}}}""", List, Base).ToChunkedUploadRecord();
        Assert.Equal(name, r.Status);
        Assert.Null(r.CreatedAt);
        Assert.Null(r.CompletedAt);
        Assert.Null(r.FileName);
    }

    [Fact]
    public void A_record_without_status_but_completed_is_Complete_and_a_bad_date_is_no_date()
    {
        var r = UploadRecord.Parse("""{"id": "x", "offset": 5, "created_at": "yesterday", "completed_at": "2026-11-25T10:05:00+02:00"}""", List, Base)
            .ToChunkedUploadRecord();
        Assert.Equal("Complete", r.Status);
        Assert.Null(r.CreatedAt);
        Assert.Equal(TimeSpan.FromHours(2), r.CompletedAt!.Value.Offset);
    }

    [Fact]
    public void A_listing_is_a_json_array_of_records()
    {
        var (records, next) = UploadRecord.ParseList($"[{Drf}, {{\"id\": 12, \"offset\": 0, \"status\": 1}}]", List, Base);

        Assert.Null(next);
        Assert.Equal(new[] { "5b0c7a4e-1f1d-4f0b-9a55-8e3c2d1b0a99", "12" }, records.Select(r => r.Id));
        Assert.Equal("http://127.0.0.1:5000/api/chunked_upload/12/", records[1].Url.AbsoluteUri);
        Assert.Empty(UploadRecord.ParseList("[]", List, Base).Records);
    }

    [Fact]
    public void A_paginated_listing_gives_its_results_and_next_page()
    {
        var (records, next) = UploadRecord.ParseList(
            $$"""{"count": 3, "next": "http://127.0.0.1:5000/api/chunked_upload/?page=2", "previous": null, "results": [{{Drf}}]}""", List, Base);
        Assert.Single(records);
        Assert.Equal("http://127.0.0.1:5000/api/chunked_upload/?page=2", next!.AbsoluteUri);

        var (_, relative) = UploadRecord.ParseList("""{"next": "?cursor=abc", "results": []}""", List, Base);
        Assert.Equal("http://127.0.0.1:5000/api/chunked_upload/?cursor=abc", relative!.AbsoluteUri);

        var (_, last) = UploadRecord.ParseList("""{"count": 1, "next": null, "results": []}""", List, Base);
        Assert.Null(last);
    }

    [Theory]
    [InlineData("{\"id\": 1, \"offset\": 0}", "neither a JSON array nor an object with 'results'")]
    [InlineData("{\"results\": {}}", "neither a JSON array nor an object with 'results'")]
    [InlineData("[1]", "not a JSON object")]
    [InlineData("[{\"offset\": 0}]", "no 'id'")]
    [InlineData("[{\"id\": 1, \"offset\": 0}", "not valid JSON")]
    public void A_listing_that_breaks_the_protocol_is_UnexpectedResponse(string body, string why)
    {
        var ex = Assert.Throws<SynapseClientException>(() => UploadRecord.ParseList(body, List, Base));
        Assert.Equal(SynapseErrorKind.UnexpectedResponse, ex.Kind);
        Assert.Contains(why, ex.Message);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000/api/chunked_upload/1/", true)]
    [InlineData("http://127.0.0.1:5000/api/", true)]
    [InlineData("HTTP://127.0.0.1:5000/api/chunked_upload/?page=2", true)]
    [InlineData("http://127.0.0.1:5000/api/x/../chunked_upload/1/", true)]
    [InlineData("http://127.0.0.1:5000/api/../other/", false)]
    [InlineData("http://127.0.0.1:5000/apifoo/", false)]
    [InlineData("http://127.0.0.1:5000/", false)]
    [InlineData("https://127.0.0.1:5000/api/chunked_upload/1/", false)]
    [InlineData("http://127.0.0.1:5001/api/chunked_upload/1/", false)]
    [InlineData("http://localhost:5000/api/chunked_upload/1/", false)]
    [InlineData("http://user:pw@127.0.0.1:5000/api/chunked_upload/1/", false)]
    [InlineData("http://127.0.0.1:5000@evil.example/api/chunked_upload/1/", false)]
    public void Only_urls_under_the_base_url_may_carry_the_token(string url, bool allowed)
    {
        var connection = new SynapseConnection(new Uri("http://127.0.0.1:5000/api/"), "t");
        if (allowed)
        {
            Assert.Equal(new Uri(url), ConnectionRules.RequireUnderBaseUrl(connection, new Uri(url)));
        }
        else
        {
            var ex = Assert.Throws<SynapseClientException>(() => ConnectionRules.RequireUnderBaseUrl(connection, new Uri(url)));
            Assert.Equal(SynapseErrorKind.UrlNotUnderBaseUrl, ex.Kind);
        }
    }
}
