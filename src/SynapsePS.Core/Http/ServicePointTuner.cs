#if !NET8_0_OR_GREATER
using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace SynapsePS.Http;

/// <summary>
/// Where HttpClientHandler runs on HttpWebRequest (.NET Framework, so Windows PowerShell 5.1; and Mono), connection
/// settings live on the ServicePoint of each origin, not on the handler. Before the first request to an origin this
/// sets that origin's service point only: enough connections for -ThrottleLimit, Nagle off (with delayed ACKs it
/// costs up to 200 ms per small request), no 'Expect: 100-continue'. Another module's requests to the same origin
/// in the same process share that service point; nothing else in the process changes.
/// </summary>
internal sealed class ServicePointTuner : DelegatingHandler
{
    private readonly IWebProxy? _proxy;
    private readonly ConcurrentDictionary<string, bool> _tuned = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="inner">The handler that sends.</param>
    /// <param name="proxy">The proxy the handler sends through (null: direct), which picks the service point.</param>
    public ServicePointTuner(HttpMessageHandler inner, IWebProxy? proxy) : base(inner) => _proxy = proxy;

    /// <summary>Whether this runtime's HttpClientHandler is built on HttpWebRequest and its service points.</summary>
    public static bool Applies =>
        RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.Ordinal)
        || RuntimeInformation.FrameworkDescription.StartsWith("Mono", StringComparison.Ordinal);

    /// <summary>
    /// The one process-wide setting, changed only where the process could not connect otherwise: TLS 1.2 is added
    /// when the process neither leaves the protocol to the system (SystemDefault, .NET Framework 4.7+'s default)
    /// nor allows TLS 1.2 already. Everything else the process allows stays allowed.
    /// </summary>
    public static void AllowTls12()
    {
        var allowed = ServicePointManager.SecurityProtocol;
        if (allowed == 0 || (allowed & SecurityProtocolType.Tls12) != 0) return;   // 0 is SystemDefault
        ServicePointManager.SecurityProtocol = allowed | SecurityProtocolType.Tls12;
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.RequestUri is { } uri && _tuned.TryAdd(uri.GetLeftPart(UriPartial.Authority), true)) Tune(uri);
        return base.SendAsync(request, cancellationToken);
    }

    private void Tune(Uri uri)
    {
        var point = ServicePointManager.FindServicePoint(uri, _proxy);
        if (point.ConnectionLimit < PooledHttpClient.MaxConnectionsPerServer) point.ConnectionLimit = PooledHttpClient.MaxConnectionsPerServer;
        point.UseNagleAlgorithm = false;
        point.Expect100Continue = false;
    }
}
#endif
