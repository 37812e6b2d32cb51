using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using static SynapsePS.DevServer.Tests.RawRequests;

namespace SynapsePS.DevServer.Tests;

/// <summary>
/// The server's default answers, compared with what drf-chunked-upload 0.6 (ChunkedUploadView and its
/// ModelSerializer) answers: record fields and types, error texts and their order, the finish's parsers.
/// </summary>
public sealed class DrfAnswerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _http = fixture.Http;
    private Uri Base => fixture.Server.BaseUrl;
    private Uri Collection => new(Base, "chunked_upload/");

    [Fact]
    public async Task A_record_has_drfs_fields_in_drfs_order_and_types()
    {
        var record = await CreateAsync(_http, Base, Bytes(100), 300, filename: "données [1].bin");

        Assert.Equal(new[] { "id", "url", "file", "filename", "offset", "created_at", "status", "completed_at", "user" }, Keys(record));
        var id = record.GetProperty("id").GetString()!;
        Assert.True(Guid.TryParseExact(id, "D", out _), $"'{id}' is not a hyphenated UUID");
        Assert.Equal(new Uri(Base, $"chunked_upload/{id}/").AbsoluteUri, record.GetProperty("url").GetString());
        Assert.Matches($@"^{Regex(Base.AbsoluteUri)}media/chunked_uploads/\d{{4}}/\d{{2}}/\d{{2}}/{id}\.part$", record.GetProperty("file").GetString());
        Assert.Equal("données [1].bin", record.GetProperty("filename").GetString());
        Assert.Equal(100, record.GetProperty("offset").GetInt64());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$", record.GetProperty("created_at").GetString());
        Assert.Equal(JsonValueKind.Number, record.GetProperty("status").ValueKind);
        Assert.Equal(1, record.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Null, record.GetProperty("completed_at").ValueKind);
        Assert.Equal(1, record.GetProperty("user").GetInt32());
    }

    [Theory]
    [InlineData(FinishEncoding.Json)]
    [InlineData(FinishEncoding.Form)]
    [InlineData(FinishEncoding.Multipart)]
    public async Task The_finish_takes_md5_as_json_form_or_multipart_and_answers_status_2(FinishEncoding encoding)
    {
        var data = Bytes(3000, seed: (int)encoding);
        var record = await CreateAsync(_http, Base, data[..1000], data.Length);
        var (put, _) = await SendAsync(_http, Chunk(UrlOf(record), data[1000..], Range(1000, 2000, data.Length)));
        Assert.Equal(HttpStatusCode.OK, put);

        var (status, done) = await SendAsync(_http, Finish(UrlOf(record), Md5(data), encoding));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, done.GetProperty("status").GetInt32());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z$", done.GetProperty("completed_at").GetString());
        Assert.EndsWith(".done", done.GetProperty("file").GetString());
        Assert.Equal(new[] { "id", "url", "file", "filename", "offset", "created_at", "status", "completed_at", "user" }, Keys(done));
        var stored = fixture.Server.Uploads.Single(u => u.Id == record.GetProperty("id").GetString());
        Assert.Equal("complete", stored.Status);
        Assert.Equal(data, await File.ReadAllBytesAsync(stored.StoredPath));
    }

    [Fact]
    public async Task Get_of_the_collection_lists_only_the_callers_uploads_unpaginated()
    {
        var mine = await CreateAsync(_http, Base, Bytes(10), 20, TokenA, "mine.bin");
        var theirs = await CreateAsync(_http, Base, Bytes(10), 20, TokenB, "theirs.bin");

        var (statusA, listA) = await SendAsync(_http, Get(Collection, TokenA));
        var (statusB, listB) = await SendAsync(_http, Get(Collection, TokenB));

        Assert.Equal(HttpStatusCode.OK, statusA);
        Assert.Equal(HttpStatusCode.OK, statusB);
        Assert.Equal(JsonValueKind.Array, listA.ValueKind);   // DRF paginates nothing unless told to
        var idsA = listA.EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        var idsB = listB.EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Contains(mine.GetProperty("id").GetString(), idsA);
        Assert.DoesNotContain(theirs.GetProperty("id").GetString(), idsA);
        Assert.Equal(new[] { theirs.GetProperty("id").GetString() }, idsB);
        Assert.Equal(2, theirs.GetProperty("user").GetInt32());
        Assert.All(listA.EnumerateArray(), r => Assert.Equal(1, r.GetProperty("user").GetInt32()));
    }

    [Fact]
    public async Task Another_tokens_upload_is_not_found_for_get_put_and_post()
    {
        var record = await CreateAsync(_http, Base, Bytes(10), 20, TokenA);
        var url = UrlOf(record);

        var answers = new[]
        {
            await SendAsync(_http, Get(url, TokenB)),
            await SendAsync(_http, Chunk(url, Bytes(10), Range(10, 10, 20), TokenB)),
            await SendAsync(_http, Finish(url, Md5(Bytes(10)), FinishEncoding.Form, TokenB)),
        };

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.NotFound, a.Status));
        Assert.All(answers, a => Assert.Equal("Not found.", Detail(a.Body)));
        Assert.Equal(10, fixture.Server.Uploads.Single(u => u.Id == record.GetProperty("id").GetString()).Offset);
    }

    [Fact]
    public async Task Offsets_that_do_not_match_name_both_offsets()
    {
        var record = await CreateAsync(_http, Base, Bytes(10), 30);

        var (status, body) = await SendAsync(_http, Chunk(UrlOf(record), Bytes(10), Range(20, 10, 30)));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(new[] { "detail", "expected_offset", "provided_offset" }, Keys(body));
        Assert.Equal("Offsets do not match", Detail(body));
        Assert.Equal(10, body.GetProperty("expected_offset").GetInt64());
        Assert.Equal(20, body.GetProperty("provided_offset").GetInt64());
    }

    public static TheoryData<string, string?, string?, int, string> NewUploadRefusals => new()
    {
        // what, filename, Content-Range, status, detail (as JSON when it is DRF's field-error dict)
        { "no Content-Range", "a.bin", null, 400, "Error in request headers" },
        { "a malformed Content-Range", "a.bin", "bytes=0-9/10", 400, "Error in request headers" },
        { "an end past the total", "a.bin", "bytes 0-9/5", 400, "End of chunk exceeds reported total (5 bytes)" },
        { "a part shorter than its range", "a.bin", "bytes 0-19/40", 400, "File size doesn't match headers: file size is 10 but 20 reported" },
        { "no filename", null, "bytes 0-9/10", 400, """{"filename":["This field is required."]}""" },
        { "a blank filename", "  ", "bytes 0-9/10", 400, """{"filename":["This field may not be blank."]}""" },
        { "a filename of 256 characters", new string('n', 256), "bytes 0-9/10", 400, """{"filename":["Ensure this field has no more than 255 characters."]}""" },
    };

    [Theory]
    [MemberData(nameof(NewUploadRefusals))]
    public async Task A_refused_first_chunk_gets_drfs_text_and_creates_nothing(string what, string? filename, string? range, int status, string detail)
    {
        var before = fixture.Server.Uploads.Count;

        var (answer, body) = await SendAsync(_http, Chunk(Collection, Bytes(10), range, TokenA, filename));

        Assert.True(status == (int)answer, what);
        Assert.Equal(detail, Detail(body));
        Assert.Equal(before, fixture.Server.Uploads.Count);
    }

    [Fact]
    public async Task An_empty_file_part_is_refused()
    {
        var (status, body) = await SendAsync(_http, Chunk(Collection, Array.Empty<byte>(), "bytes 0-0/1"));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("File size doesn't match headers: file size is 0 but 1 reported", Detail(body));
    }

    [Fact]
    public async Task A_missing_file_part_comes_first_even_before_bad_headers()
    {
        var form = new MultipartFormDataContent { { new StringContent("a.bin"), "filename" } };
        var request = WithToken(new HttpRequestMessage(HttpMethod.Put, Collection) { Content = form }, TokenA);

        var (status, body) = await SendAsync(_http, request);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("No chunk file was submitted", Detail(body));
    }

    [Fact]
    public async Task A_size_mismatch_comes_before_the_offset_check_as_in_drf()
    {
        var record = await CreateAsync(_http, Base, Bytes(10), 40);

        var (status, body) = await SendAsync(_http, Chunk(UrlOf(record), Bytes(5), Range(30, 10, 40)));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("File size doesn't match headers: file size is 5 but 10 reported", Detail(body));
    }

    [Fact]
    public async Task An_end_equal_to_the_total_passes_as_it_does_in_drf()
    {
        var (status, record) = await SendAsync(_http, Chunk(Collection, Bytes(10), "bytes 0-9/9"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(10, record.GetProperty("offset").GetInt64());
    }

    [Fact]
    public async Task A_chunk_body_drf_cannot_parse_is_415_and_a_json_one_has_no_file()
    {
        var text = WithToken(new HttpRequestMessage(HttpMethod.Put, Collection) { Content = new StringContent("x", Encoding.UTF8, "text/plain") }, TokenA);
        text.Content!.Headers.TryAddWithoutValidation("Content-Range", "bytes 0-0/1");
        var json = WithToken(new HttpRequestMessage(HttpMethod.Put, Collection) { Content = new StringContent("{}", Encoding.UTF8, "application/json") }, TokenA);
        json.Content!.Headers.TryAddWithoutValidation("Content-Range", "bytes 0-0/1");

        var (textStatus, textBody) = await SendAsync(_http, text);
        var (jsonStatus, jsonBody) = await SendAsync(_http, json);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, textStatus);
        Assert.Equal("Unsupported media type \"text/plain; charset=utf-8\" in request.", Detail(textBody));
        Assert.Equal(HttpStatusCode.BadRequest, jsonStatus);
        Assert.Equal("No chunk file was submitted", Detail(jsonBody));
    }

    [Fact]
    public async Task A_partial_upload_finishes_when_the_md5_matches_what_the_server_holds()
    {
        var data = Bytes(2000, seed: 12);
        var record = await CreateAsync(_http, Base, data[..1000], data.Length);

        var (status, done) = await SendAsync(_http, Finish(UrlOf(record), Md5(data[..1000])));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, done.GetProperty("status").GetInt32());
        Assert.Equal(1000, done.GetProperty("offset").GetInt64());
    }

    [Fact]
    public async Task The_finish_wants_an_md5_compares_it_exactly_and_then_refuses_anything_more()
    {
        var data = Bytes(500, seed: 13);
        var record = await CreateAsync(_http, Base, data, data.Length);
        var url = UrlOf(record);

        var missing = await SendAsync(_http, WithToken(new HttpRequestMessage(HttpMethod.Post, url), TokenA));
        var upper = await SendAsync(_http, Finish(url, Md5(data).ToUpperInvariant(), FinishEncoding.Json));
        var right = await SendAsync(_http, Finish(url, Md5(data), FinishEncoding.Json));
        var again = await SendAsync(_http, Finish(url, Md5(data), FinishEncoding.Json));
        var more = await SendAsync(_http, Chunk(url, Bytes(10), Range(500, 10, 510)));

        Assert.Equal((HttpStatusCode.BadRequest, "Checksum of type 'md5' is required"), (missing.Status, Detail(missing.Body)));
        Assert.Equal((HttpStatusCode.BadRequest, "checksum does not match"), (upper.Status, Detail(upper.Body)));
        Assert.Equal(HttpStatusCode.OK, right.Status);
        Assert.Equal((HttpStatusCode.BadRequest, "Upload has already been marked as \"complete\""), (again.Status, Detail(again.Body)));
        Assert.Equal((HttpStatusCode.BadRequest, "Upload has already been marked as \"complete\""), (more.Status, Detail(more.Body)));
    }

    [Fact]
    public async Task A_finish_with_broken_json_gets_drfs_parse_error()
    {
        var record = await CreateAsync(_http, Base, Bytes(10), 10);
        var request = WithToken(new HttpRequestMessage(HttpMethod.Post, UrlOf(record)) { Content = new StringContent("{\"md5\":", Encoding.UTF8, "application/json") }, TokenA);

        var (status, body) = await SendAsync(_http, request);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("JSON parse error - ", Detail(body));
    }

    [Fact]
    public async Task A_whole_file_posted_to_the_collection_is_stored_and_completed_in_one_request()
    {
        var data = Bytes(4000, seed: 14);
        var form = new MultipartFormDataContent
        {
            { new StringContent("whole.bin"), "filename" },
            { new ByteArrayContent(data), "file", "whole.bin" },
            { new StringContent(Md5(data)), "md5" },
        };
        var noMd5 = new MultipartFormDataContent { { new StringContent("whole.bin"), "filename" }, { new ByteArrayContent(data), "file", "whole.bin" } };

        var (status, record) = await SendAsync(_http, WithToken(new HttpRequestMessage(HttpMethod.Post, Collection) { Content = form }, TokenA));
        var (refused, why) = await SendAsync(_http, WithToken(new HttpRequestMessage(HttpMethod.Post, Collection) { Content = noMd5 }, TokenA));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, record.GetProperty("status").GetInt32());
        Assert.Equal(data.Length, record.GetProperty("offset").GetInt64());
        Assert.Equal(data, await File.ReadAllBytesAsync(fixture.Server.Uploads.Single(u => u.Id == record.GetProperty("id").GetString()).StoredPath));
        // drf saves the upload before it asks for the checksum: it stays, incomplete.
        Assert.Equal((HttpStatusCode.BadRequest, "Checksum of type 'md5' is required"), (refused, Detail(why)));
        Assert.Equal("uploading", fixture.Server.Uploads.Last().Status);
    }

    [Fact]
    public async Task Authentication_failures_say_what_drf_says()
    {
        var (none, noneBody) = await SendAsync(_http, Get(Collection, token: null));
        var (wrong, wrongBody) = await SendAsync(_http, Get(Collection, token: "not-a-token"));

        Assert.Equal((HttpStatusCode.Unauthorized, "Authentication credentials were not provided."), (none, Detail(noneBody)));
        Assert.Equal((HttpStatusCode.Unauthorized, "Invalid token."), (wrong, Detail(wrongBody)));
    }

    [Fact]
    public async Task Delete_is_not_allowed()
    {
        var record = await CreateAsync(_http, Base, Bytes(10), 20);
        using var response = await _http.SendAsync(WithToken(new HttpRequestMessage(HttpMethod.Delete, UrlOf(record)), TokenA));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("PUT", response.Content.Headers.Allow);
        Assert.Equal("Method \"DELETE\" not allowed.", Detail(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement));
        Assert.NotNull(fixture.Server.Uploads.SingleOrDefault(u => u.Id == record.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task The_request_log_keeps_content_type_and_host()
    {
        var request = Chunk(Collection, Bytes(10), "bytes 0-9/10");
        request.Headers.Host = "synapse.test:8443";

        var (status, record) = await SendAsync(_http, request);

        Assert.Equal(HttpStatusCode.OK, status);
        var entry = fixture.Server.Requests.Last(r => r.UploadId == record.GetProperty("id").GetString());
        Assert.StartsWith("multipart/form-data; boundary=", entry.ContentType);
        Assert.Equal("synapse.test:8443", entry.Host);
        Assert.Null(entry.ClientCertificate);
        // The record's url follows the request's Host, as Django's build_absolute_uri does.
        Assert.StartsWith("http://synapse.test:8443/chunked_upload/", record.GetProperty("url").GetString());
    }

    private static string Regex(string s) => System.Text.RegularExpressions.Regex.Escape(s);
}
