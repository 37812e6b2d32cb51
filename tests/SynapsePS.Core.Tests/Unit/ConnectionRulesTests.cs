using SynapsePS.Connections;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>
/// Tokens never travel unencrypted off this machine unless the caller says so. Only names under '.invalid'
/// (which never resolve) stand for remote hosts here, and no request is sent.
/// </summary>
[Collection(EnvironmentCollection.Name)]
public sealed class ConnectionRulesTests
{
    [Theory]
    [InlineData("http://synapse.invalid/api/")]
    [InlineData("http://SYNAPSE.invalid:8080/")]
    [InlineData("http://10.0.0.1.invalid/")]
    public void Plain_http_to_another_host_is_refused_naming_the_switch(string url)
    {
        var ex = Assert.Throws<SynapseClientException>(() => ConnectionRules.Validate(new SynapseConnection(new Uri(url), "t")));

        Assert.Equal(SynapseErrorKind.InvalidConnection, ex.Kind);
        Assert.Contains("-AllowUnencryptedAuthentication", ex.Message);
        Assert.Contains("https", ex.Message);
        Assert.Contains(new Uri(url).Host, ex.Message);
    }

    [Fact]
    public void The_client_refuses_it_too_before_any_request()
    {
        var ex = Assert.Throws<SynapseClientException>(() => new SynapseUploadClient(new SynapseConnection(new Uri("http://synapse.invalid/"), "t")));
        Assert.Equal(SynapseErrorKind.InvalidConnection, ex.Kind);
    }

    [Theory]
    [InlineData("http://synapse.invalid/api/", true)]
    [InlineData("https://synapse.invalid/api/", false)]
    [InlineData("http://127.0.0.1:5000/", false)]
    [InlineData("http://127.8.9.10/", false)]
    [InlineData("http://[::1]:5000/", false)]
    [InlineData("http://[::ffff:127.0.0.1]/", false)]
    [InlineData("http://localhost:5000/", false)]
    [InlineData("http://LocalHost/", false)]
    public void Https_loopback_and_an_explicit_allowance_are_accepted(string url, bool allow)
    {
        var connection = new SynapseConnection(new Uri(url), "t", allowUnencryptedAuthentication: allow);
        Assert.Same(connection, ConnectionRules.Validate(connection));
    }

    [Theory]
    [InlineData("http://127.0.0.1/", true)]
    [InlineData("http://127.255.255.254/", true)]
    [InlineData("http://[::1]/", true)]
    [InlineData("http://localhost/", true)]
    [InlineData("http://128.0.0.1.invalid/", false)]
    [InlineData("http://localhost.invalid/", false)]
    [InlineData("http://[::2]/", false)]
    [InlineData("http://10.0.0.1/", false)]
    public void Loopback_is_127_slash_8_ipv6_one_and_localhost(string url, bool loopback) =>
        Assert.Equal(loopback, ConnectionRules.IsLoopback(new Uri(url)));

    [Fact]
    public void The_environment_path_refuses_plain_http_naming_its_variable_and_accepts_it_when_allowed()
    {
        var saved = new[] { ConnectionRules.BackendHostVariable, ConnectionRules.AccessTokenVariable, ConnectionRules.AllowUnencryptedVariable }
            .ToDictionary(v => v, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(ConnectionRules.BackendHostVariable, "http://synapse.invalid/api/");
            Environment.SetEnvironmentVariable(ConnectionRules.AccessTokenVariable, "t");
            Environment.SetEnvironmentVariable(ConnectionRules.AllowUnencryptedVariable, null);

            var ex = Assert.Throws<SynapseClientException>(() => ConnectionRules.FromEnvironment());
            Assert.Equal(SynapseErrorKind.InvalidConnection, ex.Kind);
            Assert.Contains("SYNAPSE_ALLOW_UNENCRYPTED_AUTHENTICATION=1", ex.Message);

            Environment.SetEnvironmentVariable(ConnectionRules.AllowUnencryptedVariable, "1");
            var allowed = ConnectionRules.FromEnvironment();
            Assert.NotNull(allowed);
            Assert.True(allowed!.AllowUnencryptedAuthentication);

            Environment.SetEnvironmentVariable(ConnectionRules.AllowUnencryptedVariable, null);
            Environment.SetEnvironmentVariable(ConnectionRules.BackendHostVariable, "http://127.0.0.1:5000/api/");
            Assert.False(ConnectionRules.FromEnvironment()!.AllowUnencryptedAuthentication);
        }
        finally
        {
            foreach (var (name, value) in saved) Environment.SetEnvironmentVariable(name, value);
        }
    }
}

/// <summary>Tests that change process environment variables run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentCollection
{
    public const string Name = "Process environment";
}
