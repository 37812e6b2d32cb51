using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Polly;
using SynapsePS.Http;
using SynapsePS.Resilience;
using SynapsePS.Files;

namespace SynapsePS.Protocol;

/// <summary>
/// The three requests of the drf-chunked-upload protocol (PUT a chunk, GET the record, POST the MD5), each sent
/// through the retry pipeline with an inactivity watchdog, each answer turned into a record or a typed error.
/// </summary>
internal sealed class ChunkedUploadProtocol
{
    private const int MaxBodyBytes = 1024 * 1024;

    /// <summary>A listing holds every upload of the token: a larger bound than one record's (tens of thousands of records).</summary>
    private const int MaxListBodyBytes = 32 * 1024 * 1024;

    private readonly SynapseConnection _connection;
    private readonly UploadOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly PooledHttpClient _client;
    private readonly HttpClient _http;
    private readonly BandwidthLimiter? _limiter;
    private readonly TimeProvider _time;
    private readonly RequestMeter? _meter;
    private Uri? _lastUploadUrl;

    /// <param name="pipeline">What every request goes through: the retry, and the call's gate when it has one (<see cref="RetryPolicy.Build"/>).</param>
    /// <param name="limiter">The bandwidth cap every chunk body of this protocol writes under, or null.</param>
    /// <param name="time">The call's clock, which a Retry-After's date is read against and attempts are timed by; the system clock when null.</param>
    /// <param name="meter">Told of every attempt's duration and outcome (the call's pace), or null.</param>
    public ChunkedUploadProtocol(SynapseConnection connection, UploadOptions options, ResiliencePipeline pipeline,
        BandwidthLimiter? limiter = null, TimeProvider? time = null, RequestMeter? meter = null)
    {
        _time = time ?? TimeProvider.System;
        _meter = meter;
        _connection = connection;
        _options = options;
        _pipeline = pipeline;
        _client = HttpClientPool.For(connection.Network);
        _http = _client.Http;
        _limiter = limiter;
    }

    /// <summary>PUT one chunk: to chunked_upload/ for the first, to the upload's url after that.</summary>
    public Task<UploadRecord> PutChunkAsync(Uri? uploadUrl, LocalFile file, FileDigest digest, long start, int length,
        OperationStats stats, Action<int> onBlockSent, CancellationToken ct)
    {
        var url = uploadUrl ?? UploadOrigin.CollectionUrl(_connection.BaseUrl);
        var range = $"bytes {start.ToString(CultureInfo.InvariantCulture)}-{(start + length - 1).ToString(CultureInfo.InvariantCulture)}/{file.Length.ToString(CultureInfo.InvariantCulture)}";
        return SendAsync($"PUT {url.AbsolutePath} ({range})", url, stats, ct, watchdog =>
        {
            var body = new ChunkBody(file, digest, start, length, n => { stats.AddBytesSent(n); watchdog.Kick(); onBlockSent(n); }, watchdog.Token,
                _limiter, watchdog.Kick);
            // .NET files Content-Range under content headers; on the wire it is the same header Python sends.
            body.Headers.TryAddWithoutValidation("Content-Range", range);
            var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = body };
            return (request, body);
        });
    }

    public Task<UploadRecord> GetRecordAsync(Uri uploadUrl, OperationStats stats, CancellationToken ct) =>
        SendAsync($"GET {uploadUrl.AbsolutePath}", uploadUrl, stats, ct, _ => (new HttpRequestMessage(HttpMethod.Get, uploadUrl), null));

    /// <summary>GET one page of the token's uploads: chunked_upload/ itself, or a page's 'next'.</summary>
    public Task<(IReadOnlyList<UploadRecord> Records, Uri? Next)> ListRecordsAsync(Uri listUrl, OperationStats stats, CancellationToken ct) =>
        SendAsync($"GET {listUrl.AbsolutePath}", listUrl, stats, ct, _ => (new HttpRequestMessage(HttpMethod.Get, listUrl), null),
            (text, requestUrl) => UploadRecord.ParseList(text, requestUrl, _connection.BaseUrl), MaxListBodyBytes);

    /// <summary>
    /// POST the MD5 as synapse-sdk sends every request without files: <c>{"md5": "&lt;hex&gt;"}</c> (json.dumps'
    /// separators) with exactly <c>Content-Type: application/json</c>, which a JSON-only server also accepts.
    /// </summary>
    public Task<UploadRecord> CompleteAsync(Uri uploadUrl, string md5, OperationStats stats, CancellationToken ct) =>
        SendAsync($"POST {uploadUrl.AbsolutePath}", uploadUrl, stats, ct, _ =>
        {
            // Not StringContent: it would add '; charset=utf-8'. The MD5 is hex, so the body needs no escaping.
            var content = new ByteArrayContent(Encoding.ASCII.GetBytes($"{{\"md5\": \"{md5}\"}}"));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return (new HttpRequestMessage(HttpMethod.Post, uploadUrl) { Content = content }, null);
        });

    private Task<UploadRecord> SendAsync(string what, Uri url, OperationStats stats, CancellationToken ct,
        Func<InactivityWatchdog, (HttpRequestMessage Request, ChunkBody? Body)> build) =>
        SendAsync(what, url, stats, ct, build, (text, requestUrl) => UploadRecord.Parse(text, requestUrl, _connection.BaseUrl), MaxBodyBytes);

    private async Task<T> SendAsync<T>(string what, Uri url, OperationStats stats, CancellationToken ct,
        Func<InactivityWatchdog, (HttpRequestMessage Request, ChunkBody? Body)> build, Func<string, Uri, T> parse, int maxBodyBytes)
    {
        // A probe during an outage asks for the last upload's own record.
        if (url != UploadOrigin.CollectionUrl(_connection.BaseUrl)) Volatile.Write(ref _lastUploadUrl, url);
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(RetryPolicy.ScopeKey, new RequestScope(stats, what, _options.MaxRetries + 1));
        try
        {
            return await _pipeline.ExecuteAsync(
                static (ctx, state) => new ValueTask<T>(state.self.MeteredAttemptAsync(state.url, state.build, state.parse, state.maxBodyBytes, ctx.CancellationToken)),
                context, (self: this, url, build, parse, maxBodyBytes)).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One attempt, its duration and outcome told to the meter (a cancelled attempt tells nothing).</summary>
    private async Task<T> MeteredAttemptAsync<T>(Uri url, Func<InactivityWatchdog, (HttpRequestMessage, ChunkBody?)> build,
        Func<string, Uri, T> parse, int maxBodyBytes, CancellationToken ct)
    {
        if (_meter is null) return await AttemptAsync(url, build, parse, maxBodyBytes, ct).ConfigureAwait(false);
        var started = _time.GetTimestamp();
        T result;
        try
        {
            result = await AttemptAsync(url, build, parse, maxBodyBytes, ct).ConfigureAwait(false);
        }
        catch (SynapseClientException ex)
        {
            _meter.Report(_time.GetElapsedTime(started), ex);
            throw;
        }
        _meter.Report(_time.GetElapsedTime(started), null);
        return result;
    }

    /// <summary>
    /// Asks whether the server is back: one GET, not through the pipeline (no gate, no retries), of the last upload's own
    /// record (cheap on any server; the base URL until an upload has a url), so credentials go to its origin only.
    /// True for any answer but a connection failure or 502/503/504, which is thrown as the probe's failure.
    /// </summary>
    public async Task<bool> ProbeAsync(CancellationToken ct)
    {
        var url = Volatile.Read(ref _lastUploadUrl) ?? _connection.BaseUrl;
        try
        {
            return await AttemptAsync(url, _ => (new HttpRequestMessage(HttpMethod.Get, url), null), static (_, _) => true, MaxBodyBytes, ct)
                .ConfigureAwait(false);
        }
        catch (SynapseClientException ex) when (!FailureClassifier.ServerSeemsGone(ex))
        {
            return true;
        }
    }

    private async Task<T> AttemptAsync<T>(Uri url, Func<InactivityWatchdog, (HttpRequestMessage, ChunkBody?)> build,
        Func<string, Uri, T> parse, int maxBodyBytes, CancellationToken ct)
    {
        using var watchdog = new InactivityWatchdog(_options.Timeout, ct);
        var (request, body) = build(watchdog);
        try
        {
            AddAuthHeaders(request);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (FindOwnError(ex) is { } own)
            {
                // The body failed for a reason of ours (the file changed while being read): not a network fault.
                throw own;
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && IsTransport(ex))
            {
                throw TransportError(ex, watchdog.Token.IsCancellationRequested, url);
            }

            using (response)
            {
                string text;
                bool cut;
                try
                {
                    (text, cut) = await ReadBodyAsync(response, watchdog, maxBodyBytes).ConfigureAwait(false);
                }
                catch (Exception ex) when (!ct.IsCancellationRequested && IsTransport(ex))
                {
                    // The headers were an answer: the server is there, and a reply it then holds back is an outage
                    // of a server that stopped answering, never a wrong address (FailureClassifier.ServerAnswered).
                    throw TransportError(new ReplyHeldBackException(ex), watchdog.Token.IsCancellationRequested, url, inReply: true);
                }

                var status = (int)response.StatusCode;
                if (status is >= 200 and < 300)
                {
                    if (cut) throw TooLarge(url, maxBodyBytes);
                    return parse(text, url);
                }
                if (status == 407) throw _client.ProxyRefusal(url, null);
                throw ErrorFor(response, status, text);
            }
        }
        finally
        {
            request.Dispose();
            // A body still being written (the server answered early) must stop touching the file and the
            // MD5 before the next attempt starts.
            if (body is not null) await body.Settled.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The credentials, as synapse-sdk's BackendClient sends them. They go to the base URL's origin only: a
    /// request for anywhere else is a fault of ours (records' urls are checked when parsed) and is never sent.
    /// </summary>
    private void AddAuthHeaders(HttpRequestMessage request)
    {
        if (request.RequestUri is null || !UploadOrigin.IsSameOrigin(request.RequestUri, _connection.BaseUrl))
        {
            throw new SynapseClientException(SynapseErrorKind.UnexpectedError,
                $"Refused to send the credentials to {request.RequestUri?.GetLeftPart(UriPartial.Authority)}, which is not the origin of {_connection.BaseUrl}.");
        }
        var headers = request.Headers;
        headers.TryAddWithoutValidation("Synapse-Access-Token", "Token " + _connection.RevealAccessToken());
        if (_connection.RevealAuthorizationToken() is { } auth) headers.TryAddWithoutValidation("Authorization", "Token " + auth);
        if (_connection.Tenant is { } tenant) headers.TryAddWithoutValidation("Synapse-Tenant", "Token " + tenant);
        if (_connection.RevealAgentToken() is { } agent) headers.TryAddWithoutValidation("SYNAPSE-Agent", "Token " + agent);
    }

    /// <summary>
    /// Reads the reply's body, which must arrive whole within the request timeout of its headers: a body that stalls
    /// or drips a byte at a time is cut as a server that stopped answering is. Replies are small JSON records.
    /// </summary>
    private static async Task<(string Text, bool Cut)> ReadBodyAsync(HttpResponseMessage response, InactivityWatchdog watchdog, int maxBytes)
    {
        // From the headers on, the watchdog is the body's deadline: reads no longer push it back.
        watchdog.Kick();
        // .NET Framework's response stream ignores the token: disposing the response is what ends its read.
        using var abort = watchdog.Token.Register(static r => ((HttpResponseMessage)r!).Dispose(), response);
        using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        // Keep at most a bounded amount so a misbehaving proxy can't flood memory.
        using var kept = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int n;
        var cut = false;
        while ((n = await ReadBeforeAsync(stream, buffer, watchdog.Token).ConfigureAwait(false)) > 0)
        {
            var room = maxBytes - (int)kept.Length;
            if (n > room) cut = true;
            if (room > 0) kept.Write(buffer, 0, Math.Min(n, room));
        }
        return (Encoding.UTF8.GetString(kept.GetBuffer(), 0, (int)kept.Length), cut);
    }

    /// <summary>One read, given up when the deadline passes even where the stream does not watch the token.</summary>
    private static async Task<int> ReadBeforeAsync(Stream stream, byte[] buffer, CancellationToken deadline)
    {
        var read = stream.ReadAsync(buffer, 0, buffer.Length, deadline);
        if (read.IsCompleted) return await read.ConfigureAwait(false);
        var passed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (deadline.Register(static p => ((TaskCompletionSource<bool>)p!).TrySetResult(true), passed))
        {
            if (await Task.WhenAny(read, passed.Task).ConfigureAwait(false) == read) return await read.ConfigureAwait(false);
        }
        // The abandoned read ends when the response is disposed; its failure is expected and observed here.
        _ = read.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        throw new OperationCanceledException(deadline);
    }

    private static SynapseClientException TooLarge(Uri url, int maxBytes) =>
        new(SynapseErrorKind.UnexpectedResponse,
            $"The server's reply from {url.AbsolutePath} is larger than {maxBytes / (1024 * 1024)} MiB; SynapsePS reads no more than that.");

    private SynapseClientException ErrorFor(HttpResponseMessage response, int status, string body)
    {
        var (detail, serverOffset) = UploadRecord.ParseError(body);
        var kind = ErrorKinds.KindForStatus(status, detail);
        var reason = string.IsNullOrEmpty(response.ReasonPhrase) ? "" : " " + response.ReasonPhrase;
        var location = status is >= 300 and < 400 && response.Headers.Location is { } loc ? $" (redirected to {loc}; use that as the base URL)" : "";
        var message = $"The server answered {status}{reason} to {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath}{location}"
                      + (detail is null ? "." : $": {detail}");
        return new SynapseClientException(kind, message, status, detail, UploadRecord.Truncate(body),
            isTransient: FailureClassifier.MayChange(kind, status),
            retryAfter: RetryPolicy.ParseRetryAfter(response.Headers.RetryAfter, _time.GetUtcNow()),
            serverOffset: serverOffset);
    }

    private static SynapseClientException? FindOwnError(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            if (ex is SynapseClientException own) return own;
        return null;
    }

    private static bool IsTransport(Exception ex) =>
        ex is HttpRequestException or IOException or OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException;

    private SynapseClientException TransportError(Exception ex, bool timedOut, Uri url, bool inReply = false)
    {
        if (_client.RefusalFor(ex, url) is { } refusal) return refusal;
        if (FailureClassifier.RefusesClientCertificate(_client.AskedForCertificate(url), _client.HasAnswered(url), ex))
            return _client.CertificateHangUp(url, ex);
        if (timedOut)
        {
            var what = inReply
                ? $"The reply from {url.AbsolutePath} did not arrive whole within {RetryPolicy.Seconds(_options.Timeout)} of its headers"
                : $"No progress for {RetryPolicy.Seconds(_options.Timeout)} on {url.AbsolutePath}";
            return new SynapseClientException(SynapseErrorKind.RequestTimedOut, what + "; the connection was abandoned.", inner: ex,
                isTransient: FailureClassifier.MayChange(SynapseErrorKind.RequestTimedOut, null));
        }
        var root = ex;
        while (root.InnerException is not null) root = root.InnerException;
        return new SynapseClientException(SynapseErrorKind.ConnectionFailed,
            $"The connection to {url.GetLeftPart(UriPartial.Authority)} failed: {root.Message}", inner: ex,
            isTransient: FailureClassifier.MayChange(SynapseErrorKind.ConnectionFailed, null));
    }
}
