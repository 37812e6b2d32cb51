using SynapsePS.Protocol;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>How the client reads every record shape a Synapse server returns (no server needed).</summary>
public sealed class UploadRecordTests
{
    private static readonly Uri Base = new("http://127.0.0.1:5000/api/");
    private static readonly Uri Request = new("http://127.0.0.1:5000/api/chunked_upload/");
    private static readonly Uri LaterRequest = new("http://127.0.0.1:5000/api/chunked_upload/7/");

    private static UploadRecord Parse(string json, Uri? request = null) => UploadRecord.Parse(json, request ?? Request, Base);

    [Fact]
    public void Stock_drf_record_has_a_uuid_id_and_integer_status()
    {
        var record = Parse("""
            {"id": "5b0c7a4e-1f1d-4f0b-9a55-8e3c2d1b0a99", "url": "http://127.0.0.1:5000/api/chunked_upload/5b0c7a4e-1f1d-4f0b-9a55-8e3c2d1b0a99/",
             "file": null, "filename": "a.bin", "offset": 65536, "created_at": "2026-11-25T10:00:00Z", "status": 1, "completed_at": null, "user": 3}
            """);

        Assert.Equal("5b0c7a4e-1f1d-4f0b-9a55-8e3c2d1b0a99", record.Id);
        Assert.Equal(65536, record.Offset);
        Assert.Equal("1", record.Status);
        Assert.Equal("Incomplete", record.StatusName);
        Assert.False(record.IsComplete);
        Assert.Equal(3L, record.Fields["user"]);
    }

    [Theory]
    [InlineData("2", "Complete")]
    [InlineData("\"complete\"", "Complete")]
    [InlineData("\"uploading\"", "Incomplete")]
    [InlineData("\"queued\"", "queued")]
    public void Status_is_shown_by_name(string status, string name)
    {
        var record = Parse($$"""{"id": 7, "offset": 10, "status": {{status}}}""");
        Assert.Equal(name, record.StatusName);
    }

    [Fact]
    public void Integer_id_keeps_its_text_and_a_missing_url_follows_the_protocol()
    {
        var record = Parse("""{"id": 12345678901, "offset": 0, "status": 1}""");

        Assert.Equal("12345678901", record.Id);
        Assert.Equal("http://127.0.0.1:5000/api/chunked_upload/12345678901/", record.Url.AbsoluteUri);
    }

    [Fact]
    public void Completed_at_marks_a_record_complete_whatever_its_status()
    {
        var record = Parse("""{"id": "x", "offset": 5, "status": 1, "completed_at": "2026-11-25T10:00:00Z"}""");
        Assert.True(record.IsComplete);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1, 2]", "not a JSON object")]
    [InlineData("""{"offset": 1}""", "no 'id'")]
    [InlineData("""{"id": "a", "offset": -1}""", "no valid 'offset'")]
    [InlineData("""{"id": "a", "offset": "12"}""", "no valid 'offset'")]
    public void A_reply_that_breaks_the_protocol_is_UnexpectedResponse(string body, string why)
    {
        var ex = Assert.Throws<SynapseClientException>(() => Parse(body, Request));
        Assert.Equal(SynapseErrorKind.UnexpectedResponse, ex.Kind);
        Assert.Contains(why, ex.Message);
    }

    [Theory]
    [InlineData("""{"detail": "Offsets do not match", "expected_offset": 100, "provided_offset": 50}""", "Offsets do not match", 100L)]
    [InlineData("""{"detail": "Offsets do not match", "offset": 100}""", "Offsets do not match", 100L)]
    [InlineData("""{"detail": "Offsets do not match", "expected_offset": 100, "offset": 7}""", "Offsets do not match", 100L)]
    [InlineData("""{"detail": "checksum does not match"}""", "checksum does not match", null)]
    [InlineData("<html>Bad gateway</html>", null, null)]
    [InlineData("", null, null)]
    public void Error_bodies_give_their_detail_and_the_servers_offset(string body, string? detail, long? offset)
    {
        var (d, o) = UploadRecord.ParseError(body);
        Assert.Equal(detail, d);
        Assert.Equal(offset, o);
    }

    [Fact]
    public void Integer_ids_of_any_size_keep_their_exact_text()
    {
        var record = Parse("""{"id": 123456789012345678901234567890, "offset": 0, "status": 1}""");

        Assert.Equal("123456789012345678901234567890", record.Id);
        Assert.Equal(System.Numerics.BigInteger.Parse("123456789012345678901234567890"), record.Fields["id"]);
        Assert.Equal("http://127.0.0.1:5000/api/chunked_upload/123456789012345678901234567890/", record.Url.AbsoluteUri);
    }

    [Fact]
    public void A_missing_url_on_a_later_request_is_the_protocols_own_not_one_level_deeper()
    {
        var record = Parse("""{"id": 7, "offset": 10, "status": 1}""", LaterRequest);

        Assert.Equal("http://127.0.0.1:5000/api/chunked_upload/7/", record.Url.AbsoluteUri);
        Assert.Null(record.ServerUrl);
        Assert.False(record.ServerUrlReplaced);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000/api/chunked_upload/7/", true)]
    [InlineData("HTTP://127.0.0.1:5000/api/chunked_upload/7/", true)]
    [InlineData("/api/chunked_upload/7/", true)]
    [InlineData("http://10.1.2.3:8000/api/chunked_upload/7/", false)]
    [InlineData("http://127.0.0.1:8000/api/chunked_upload/7/", false)]
    [InlineData("https://127.0.0.1:5000/api/chunked_upload/7/", false)]
    [InlineData("http://127.0.0.1:5000/internal/chunked_upload/7/", false)]
    [InlineData("http://127.0.0.1:5000/API/chunked_upload/7/", false)]
    public void The_servers_url_is_used_only_under_the_base_url(string url, bool used)
    {
        var record = Parse($$"""{"id": 7, "url": "{{url}}", "offset": 10, "status": 1}""", LaterRequest);

        Assert.Equal("http://127.0.0.1:5000/api/chunked_upload/7/", record.Url.AbsoluteUri);
        Assert.Equal(!used, record.ServerUrlReplaced);
        Assert.Equal(url, record.Fields["url"]);
    }

    [Fact]
    public void A_synapse_finish_reply_gives_its_checksum_and_size()
    {
        var record = Parse("""{"id": 7, "offset": 10, "status": 2, "checksum": "ABCDEF0123456789abcdef0123456789", "size": 10}""", LaterRequest);

        Assert.Equal("ABCDEF0123456789abcdef0123456789", record.Checksum);
        Assert.Equal(10, record.Size);
        Assert.Equal("Complete", record.StatusName);
        Assert.True(record.IsComplete);
    }

    [Fact]
    public void A_stock_drf_reply_has_neither()
    {
        var record = Parse("""{"id": "u", "offset": 10, "status": 2, "checksum": null}""", LaterRequest);

        Assert.Null(record.Checksum);
        Assert.Null(record.Size);
    }
}
