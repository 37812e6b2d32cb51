using System.Net;

namespace SynapsePS.DevServer.Proxy;

/// <summary>The forward proxy's settings: the only names it resolves (to loopback), and the credentials it demands.</summary>
public sealed class ForwardProxyOptions
{
    public const string Switch = "--forward-proxy";

    /// <summary>Name → loopback endpoint. Nothing else is ever resolved or contacted.</summary>
    public Dictionary<string, IPEndPoint> Map { get; } = new(StringComparer.OrdinalIgnoreCase);
    public string? ProxyUser { get; set; }
    public string? ProxyPassword { get; set; }
    public bool ExitOnStdinClose { get; set; }

    /// <summary>Parses the proxy's command line (see DevServerOptions.Usage); <see cref="Switch"/> itself is skipped.</summary>
    public static ForwardProxyOptions Parse(string[] args)
    {
        var o = new ForwardProxyOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case Switch: break;
                case "--map": o.AddMapping(Value()); break;
                case "--proxy-user": o.ProxyUser = Value(); break;
                case "--proxy-password": o.ProxyPassword = Value(); break;
                case "--exit-on-stdin-close": o.ExitOnStdinClose = true; break;
                default: throw new ArgumentException($"Unknown forward proxy option '{name}'. Use --help for the list.");
            }
        }
        o.Validate();
        return o;
    }

    /// <summary>Adds NAME=ADDRESS:PORT (or NAME=http(s)://ADDRESS:PORT/); the address must be a loopback IP.</summary>
    public void AddMapping(string mapping)
    {
        var equals = mapping.IndexOf('=');
        if (equals <= 0) throw new ArgumentException($"--map takes NAME=ADDRESS:PORT, not '{mapping}'.");
        var name = mapping[..equals].Trim();
        var target = mapping[(equals + 1)..].Trim();
        if (Uri.TryCreate(target, UriKind.Absolute, out var url) && url.Scheme is "http" or "https") target = $"{url.Host}:{url.Port}";
        if (!IPEndPoint.TryParse(target, out var endpoint) || endpoint.Port == 0)
            throw new ArgumentException($"--map {name}= takes a loopback ADDRESS:PORT, not '{target}'.");
        if (!IPAddress.IsLoopback(endpoint.Address))
            throw new ArgumentException($"--map {name}= must point to a loopback address; {endpoint.Address} is not one.");
        Map[name] = endpoint;
    }

    public void Validate()
    {
        if (Map.Count == 0) throw new ArgumentException("The forward proxy needs at least one --map NAME=ADDRESS:PORT.");
        if ((ProxyUser is null) != (ProxyPassword is null)) throw new ArgumentException("--proxy-user and --proxy-password go together.");
    }
}
