using System.Runtime.InteropServices;
using SynapsePS.DevServer;
using SynapsePS.DevServer.Proxy;

// Two programs in one executable: the upload server, or (--forward-proxy) the forward proxy in front of it.
IAsyncDisposable running;
Uri url;
bool exitOnStdinClose;
try
{
    if (args.Contains("--help") || args.Contains("-h"))
    {
        Console.WriteLine(DevServerOptions.Usage);
        return 0;
    }
    if (args.Contains(ForwardProxyOptions.Switch))
    {
        var options = ForwardProxyOptions.Parse(args);
        var proxy = await ForwardProxy.StartAsync(options);
        (running, url, exitOnStdinClose) = (proxy, proxy.Url, options.ExitOnStdinClose);
    }
    else
    {
        var options = DevServerOptions.Parse(args);
        var server = await DevServer.StartAsync(options);
        (running, url, exitOnStdinClose) = (server, server.BaseUrl, options.ExitOnStdinClose);
    }
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

await using var stopping = running;
// The first line of output is the URL: the demo, the tests and the benchmarks read it.
Console.WriteLine(url.AbsoluteUri);
Console.Out.Flush();

using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;   // shut down in order below instead of dying mid-write
    stop.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
if (exitOnStdinClose)
{
    // The parent holds our stdin; when it goes away, so do we.
    _ = Task.Run(async () =>
    {
        var buffer = new char[256];
        while (await Console.In.ReadAsync(buffer, 0, buffer.Length) > 0) { }
        stop.Cancel();
    });
}
try { await Task.Delay(Timeout.Infinite, stop.Token); } catch (OperationCanceledException) { }
return 0;
