namespace SynapsePS.Core.Tests.DevServerTests;

/// <summary>One default dev server (drf answers, tokens A and B) shared by a test class.</summary>
public sealed class DevServerFixture : IAsyncLifetime
{
    public DevServer.DevServer Server { get; private set; } = null!;
    public HttpClient Http { get; } = new(new HttpClientHandler { UseProxy = false });

    public async Task InitializeAsync() => Server = await RawRequests.StartServerAsync();

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
