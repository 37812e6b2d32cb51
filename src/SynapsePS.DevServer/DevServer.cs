using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using SynapsePS.DevServer.Endpoints;
using SynapsePS.DevServer.Storage;
using SynapsePS.DevServer.Tls;

namespace SynapsePS.DevServer;

/// <summary>
/// A Synapse-compatible chunked-upload server on Kestrel, bound to a loopback address (127.0.0.1 unless told),
/// over HTTP or HTTPS. Hosted in-process by the xunit tests, run as a process (Program.cs) by the demo, the
/// Pester tests and the benchmarks.
/// </summary>
public sealed class DevServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions s_web = new(JsonSerializerDefaults.Web);

    private readonly WebApplication _app;
    private readonly UploadStore _store;
    private readonly RequestLog _log;
    private readonly ConnectionCounter _connections;
    private readonly InflightCounter _inflight = new();
    private int _stopped;

    private DevServer(WebApplication app, DevServerOptions options, UploadStore store, RequestLog log, TlsSetup? tls, ConnectionCounter connections)
    {
        _app = app;
        Options = options;
        _store = store;
        _log = log;
        Certificate = tls?.PublicCertificate;
        ClientCertificate = tls?.ClientCertificate;
        _connections = connections;
    }

    public Uri BaseUrl { get; private set; } = null!;
    public DevServerOptions Options { get; }
    /// <summary>The certificate served with --https (public part), else null.</summary>
    public X509Certificate2? Certificate { get; }
    /// <summary>With --client-certificate required: a client certificate (and key) the server accepts, else null.</summary>
    public X509Certificate2? ClientCertificate { get; }
    /// <summary>Connections accepted so far (counted before any TLS handshake, so refused handshakes count too).</summary>
    public int Connections => Volatile.Read(ref _connections.Count);
    /// <summary>The request log, in the order the requests were answered (with --persist, those of earlier servers on the same storage first).</summary>
    public IReadOnlyList<RequestLogEntry> Requests => _log.Entries;
    public IReadOnlyList<UploadInfo> Uploads => _store.All.OrderBy(u => u.CreatedAt).Select(Info).ToArray();

    /// <summary>Upload API requests being served now.</summary>
    public int InflightNow => _inflight.Now;
    /// <summary>The most upload API requests served at once since the start or the last <see cref="ResetLog"/>.</summary>
    public int MostInflight => _inflight.Most;
    /// <summary>PUTs and POSTs turned away by --max-inflight since the start or the last <see cref="ResetLog"/>.</summary>
    public long RefusedForCapacity => _inflight.Refused;

    public void ResetLog()
    {
        _log.Clear();
        _inflight.Reset();
    }

    public static async Task<DevServer> StartAsync(DevServerOptions options, CancellationToken ct = default)
    {
        options.Validate();
        Directory.CreateDirectory(options.StorageDirectory);
        var tls = options.Https ? TlsSetup.Create(options) : null;
        var connections = new ConnectionCounter();
        // A window given at start runs from now; a server started again on the same options keeps its end.
        if (options.Faults.RefuseSeconds is not null && options.Faults.RefuseUntil is null) options.Faults.OpenRefusalWindow(DateTimeOffset.UtcNow);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        // Kestrel's connection-level warnings are about connections that clients (or the fault injection) cut
        // mid-request, or TLS handshakes refused on purpose; with the large-buffer transport they also include a
        // teardown race on the dead connection's input. None of them affects a request that completes.
        builder.Logging.AddFilter((category, level) => level >= LogLevel.Warning && !(category ?? "").StartsWith("Microsoft.AspNetCore.Server.Kestrel.Connections", StringComparison.Ordinal));
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        // The library never hooks process signals (xunit hosts it in-process); Program.cs owns Ctrl+C and SIGTERM.
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        // Stock Kestrel unless a benchmark asks for the transport that receives into large blocks.
        if (options.LargeBufferTransport)
            builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory, LargeBufferTransportFactory>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(options.BindAddress, options.Port, listen =>
            {
                listen.Use(next => connection =>
                {
                    Interlocked.Increment(ref connections.Count);
                    return next(connection);
                });
                if (tls is not null) listen.UseHttps(tls.Https);
            });
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;      // chunks go up to 1 GiB
            k.Limits.MinRequestBodyDataRate = null;  // slowness is the stall fault's business, not Kestrel's
            k.Limits.MinResponseDataRate = null;
        });
        var app = builder.Build();
        var store = new UploadStore(options.StorageDirectory, options.RecordShape, options.Tokens, options.PersistUploads);
        var server = new DevServer(app, options, store, new RequestLog(options.StorageDirectory, options.PersistUploads), tls, connections);
        var records = new UploadRecords(options, () => server.BaseUrl);
        var endpoints = new ChunkedUploadEndpoints(options, store, new FaultInjector(options.Faults), records);
        app.Run(ctx => server.HandleAsync(ctx, endpoints));

        await app.StartAsync(ct);
        // The URL names the address actually bound, with the port Kestrel picked.
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var host = options.BindAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{options.BindAddress}]" : options.BindAddress.ToString();
        server.BaseUrl = new Uri($"{(tls is null ? "http" : "https")}://{host}:{address.Port}/");
        return server;
    }

    private async Task HandleAsync(HttpContext ctx, ChunkedUploadEndpoints endpoints)
    {
        var path = ctx.Request.Path.Value ?? "";
        if (path.StartsWith("/_dev/", StringComparison.Ordinal))
        {
            await DevApiAsync(ctx, path["/_dev/".Length..]);
            return;
        }

        var received = DateTimeOffset.UtcNow;
        var number = _log.NextNumber();
        var note = new RequestNote();
        var counted = false;
        try
        {
            // Latency and capacity stand for a server far away and its workers: every PUT and POST waits the
            // latency (refused or not), and one arriving while the capacity is taken gets 503 without Retry-After.
            // A chunk taken in waits once it is stored (ChunkPutHandler), as a lost answer would; the rest wait here.
            var faults = Options.Faults;
            var method = ctx.Request.Method;
            counted = _inflight.TryEnter(method is "PUT" or "POST" ? faults.MaxInflight : null);
            if (faults.LatencyMs > 0 && (method == "POST" || (method == "PUT" && !counted)))
                await Task.Delay(faults.LatencyMs, ctx.RequestAborted);
            if (!counted) await endpoints.RefuseForCapacityAsync(ctx, note);
            else await endpoints.HandleAsync(ctx, note);
        }
        catch (Exception ex) when (ctx.RequestAborted.IsCancellationRequested || ex is IOException or InvalidDataException or BadHttpRequestException or OperationCanceledException)
        {
            // The client went away mid-request: nothing to answer.
            note.Aborted = true;
            ctx.Abort();
        }
        finally
        {
            if (counted) _inflight.Leave();
            var h = ctx.Request.Headers;
            _log.Add(new RequestLogEntry(number, received, DateTimeOffset.UtcNow, ctx.Request.Method, path,
                h.ContainsKey("Content-Range") ? h["Content-Range"].ToString() : null, ctx.Request.ContentType, ctx.Request.ContentLength,
                note.Aborted ? 0 : ctx.Response.StatusCode, note.Fault, note.UploadId, ctx.Connection.Id,
                h.Host.Count > 0 ? h.Host.ToString() : null, ctx.Connection.ClientCertificate?.Subject));
        }
    }

    private async Task DevApiAsync(HttpContext ctx, string what)
    {
        switch (ctx.Request.Method, what)
        {
            case ("GET", "health"): await ctx.Response.WriteAsJsonAsync(new { ok = true }, s_web); break;
            case ("GET", "uploads"): await ctx.Response.WriteAsJsonAsync(Uploads, s_web); break;
            case ("GET", "requests"): await ctx.Response.WriteAsJsonAsync(Requests, s_web); break;
            case ("POST", "reset-log"): ResetLog(); ctx.Response.StatusCode = 204; break;
            case ("GET", "inflight"):
                await ctx.Response.WriteAsJsonAsync(new { now = InflightNow, most = MostInflight, refused = RefusedForCapacity, capacity = Options.Faults.MaxInflight }, s_web);
                break;
            case ("POST", "faults"):
                var given = await JsonSerializer.DeserializeAsync<FaultOptions>(ctx.Request.Body, s_web) ?? new FaultOptions();
                if (given.Problem(Options.RecordShape) is { } problem)
                {
                    await Replies.ReplyAsync(ctx, 400, new { detail = problem });
                    break;
                }
                Options.Faults.CopyFrom(given);
                await ctx.Response.WriteAsJsonAsync(Options.Faults, s_web);
                break;
            case ("GET", "limits"): await ctx.Response.WriteAsJsonAsync(RunTimeLimits.Of(Options), s_web); break;
            case ("POST", "limits"):
                var limits = await JsonSerializer.DeserializeAsync<RunTimeLimits>(ctx.Request.Body, s_web) ?? new RunTimeLimits();
                if (limits.Problem() is { } wrong)
                {
                    await Replies.ReplyAsync(ctx, 400, new { detail = wrong });
                    break;
                }
                limits.ApplyTo(Options);
                await ctx.Response.WriteAsJsonAsync(RunTimeLimits.Of(Options), s_web);
                break;
            default: ctx.Response.StatusCode = 404; break;
        }
    }

    private static UploadInfo Info(StoredUpload u) =>
        new(u.Id, u.Filename, u.Owner, u.Offset, u.IsComplete ? "complete" : "uploading", u.Md5Hex(), u.StoredPath, u.CreatedAt, u.CompletedAt, u.User);

    /// <summary>
    /// Stops as a crashed or killed server does: open connections are cut at once, requests in flight get no
    /// answer. With --persist, a server started again on the same options serves the same uploads.
    /// </summary>
    public Task StopAbruptlyAsync() => StopAsync(new CancellationToken(canceled: true));

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    private async Task StopAsync(CancellationToken graceOver)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _app.StopAsync(graceOver);
        await _app.DisposeAsync();
    }

    private sealed class ConnectionCounter
    {
        public int Count;
    }
}

/// <summary>A host lifetime that leaves signals alone.</summary>
internal sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
