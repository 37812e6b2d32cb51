namespace SynapsePS.Core.Tests.Kit;

// The engine's view of the kit's server; apart, so that the dev server's own tests build the kit without the engine.
public partial class ServerFixture
{
    public SynapseConnection Connection(string token = Token) => new(Server.BaseUrl, token);
}
