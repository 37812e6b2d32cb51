using System.Runtime.InteropServices;
using SynapsePS.DevServer;

DevServerOptions options;
try
{
    if (args.Contains("--help") || args.Contains("-h"))
    {
        Console.WriteLine(DevServerOptions.Usage);
        return 0;
    }
    options = DevServerOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

await using var server = await DevServer.StartAsync(options);
// The first line of output is the URL: the demo, the tests and the benchmarks read it.
Console.WriteLine(server.BaseUrl.AbsoluteUri);
Console.Out.Flush();

using var stop = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = true;   // shut down in order below instead of dying mid-write
    stop.Cancel();
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
if (options.ExitOnStdinClose)
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
