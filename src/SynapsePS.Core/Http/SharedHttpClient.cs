using System;
using System.Net;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Threading;

namespace SynapsePS.Http;

/// <summary>
/// The one HttpClient of the process: a thread-safe keep-alive connection pool shared by every upload, every
/// runspace and every thread, so batches reuse connections instead of opening one per request.
/// </summary>
internal static class SharedHttpClient
{
    internal const int MaxConnectionsPerServer = UploadOptions.MaxConcurrentUploads;

    private static readonly Lazy<HttpClient> s_client = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    public static HttpClient Instance => s_client.Value;

    private static HttpClient Create()
    {
#if NET8_0_OR_GREATER
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,          // a redirected PUT would drop its body; report it instead
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = MaxConnectionsPerServer,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10), // pick up DNS changes in overnight runs
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
#else
        if (RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal))
        {
            ConfigureServicePointManager();
        }
        var handler = new HttpClientHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        try { handler.MaxConnectionsPerServer = MaxConnectionsPerServer; }
        catch (PlatformNotSupportedException) { /* .NET Framework: ServicePointManager governs it */ }
#endif
        var client = new HttpClient(handler, disposeHandler: true)
        {
            // Requests are bounded by the per-request inactivity watchdog, not by a total.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
        };
        // Python requests never sends 'Expect: 100-continue'; neither do we (.NET Framework would by default).
        client.DefaultRequestHeaders.ExpectContinue = false;
        client.DefaultRequestHeaders.UserAgent.ParseAdd($"SynapsePS/{typeof(SharedHttpClient).Assembly.GetName().Version?.ToString(3)}");
        return client;
    }

#if !NET8_0_OR_GREATER
    private static void ConfigureServicePointManager()
    {
        // Windows PowerShell 5.1: allow TLS 1.2 and as many parallel connections as -ThrottleLimit asks for.
        ServicePointManager.SecurityProtocol |= SecurityProtocolType.Tls12;
        if (ServicePointManager.DefaultConnectionLimit < MaxConnectionsPerServer)
            ServicePointManager.DefaultConnectionLimit = MaxConnectionsPerServer;
        ServicePointManager.Expect100Continue = false;
    }
#endif
}
