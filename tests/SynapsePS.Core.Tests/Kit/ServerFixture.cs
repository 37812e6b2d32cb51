using System.Net;
using System.Net.Sockets;
using SynapsePS.DevServer;
using SynapsePS.DevServer.Proxy;

namespace SynapsePS.Core.Tests.Kit;

/// <summary>
/// The test kit's one server: a real dev server on loopback, shared by a test class (IClassFixture) or started by
/// one test (<see cref="StartAsync"/>), with the two tokens every test uses. Its options say what it does: HTTPS,
/// client certificates, record shapes, faults and refusal windows, a store kept on disk across a restart. A class
/// that needs other options for its shared server derives and overrides <see cref="Configure"/>.
/// </summary>
public partial class ServerFixture : IAsyncLifetime
{
    public const string Token = "token-a";
    public const string OtherToken = "token-b";

    /// <summary>The name the kit's forward proxy resolves to the server it fronts.</summary>
    public const string ProxiedName = "synapse.test";

    /// <summary>A second loopback address, for a server that must be another origin than the first.</summary>
    public static readonly IPAddress SecondLoopback = IPAddress.Parse("127.0.0.2");

    public DevServer.DevServer Server { get; private set; } = null!;

    /// <summary>A client that goes straight to the server, for requests the tests write by hand.</summary>
    public HttpClient Http { get; } = new(new HttpClientHandler { UseProxy = false });

    /// <summary>Options for the shared server beyond the tokens; none by default.</summary>
    protected virtual void Configure(DevServerOptions options) { }

    public async Task InitializeAsync() => Server = await StartAsync(Configure);

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>
    /// Stops the server as a crash would (connections cut, no answers), waits <paramref name="downtime"/>, and
    /// starts it again on the same port and options: with PersistUploads it serves the same uploads.
    /// </summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        var options = Server.Options;
        options.Port = Server.BaseUrl.Port;
        await Server.StopAbruptlyAsync();
        await Task.Delay(downtime);
        Server = await DevServer.DevServer.StartAsync(options);
    }

    /// <summary>A dev server of its own for one test: tokens <see cref="Token"/> and <see cref="OtherToken"/>, then <paramref name="configure"/>.</summary>
    public static Task<DevServer.DevServer> StartAsync(Action<DevServerOptions>? configure = null)
    {
        var options = new DevServerOptions();
        options.Tokens.Add(Token);
        options.Tokens.Add(OtherToken);
        configure?.Invoke(options);
        return DevServer.DevServer.StartAsync(options);
    }

    /// <summary>
    /// The dev server's forward proxy in front of <paramref name="server"/>: http://synapse.test:PORT/ and CONNECT
    /// synapse.test:PORT reach it, every other name gets 502; with a user it demands Basic proxy credentials.
    /// </summary>
    public static Task<ForwardProxy> StartProxyAsync(DevServer.DevServer server, string? user = null, string? password = null)
    {
        var options = new ForwardProxyOptions { ProxyUser = user, ProxyPassword = password };
        options.AddMapping($"{ProxiedName}={server.BaseUrl.AbsoluteUri}");
        return ForwardProxy.StartAsync(options);
    }

    /// <summary>A loopback port nothing listens on (it was free a moment ago).</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
