using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace SynapsePS.Core.Tests.Network;

/// <summary>
/// A TLS endpoint on loopback in front of a plain one: it does the handshake with the given certificate
/// (optionally demanding one client certificate) and then relays the decrypted bytes to the target.
/// </summary>
internal sealed class TlsFront : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2 _certificate;
    private readonly IPEndPoint _target;
    private readonly string? _requiredClientThumbprint;
    private int _handshakes;
    private int _accepted;
    private long _relayed;

    public TlsFront(X509Certificate2 certificate, Uri target, X509Certificate2? requiredClient = null)
    {
        _certificate = certificate;
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _requiredClientThumbprint = requiredClient?.Thumbprint;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }
    public Uri BaseUrl => new($"https://127.0.0.1:{Port}/");

    /// <summary>Handshakes begun / completed, and request bytes that reached the server behind.</summary>
    public int Handshakes => Volatile.Read(ref _handshakes);
    public int Accepted => Volatile.Read(ref _accepted);
    public long RelayedBytes => Interlocked.Read(ref _relayed);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException) { }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        Interlocked.Increment(ref _handshakes);
        using var tls = new SslStream(client.GetStream(), false);
        try
        {
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = _certificate,
                ClientCertificateRequired = _requiredClientThumbprint is not null,
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                    _requiredClientThumbprint is null || (cert is not null && new X509Certificate2(cert).Thumbprint == _requiredClientThumbprint),
            }, _stop.Token);
            Interlocked.Increment(ref _accepted);
            using var server = new TcpClient();
            await server.ConnectAsync(_target, _stop.Token);
            var upstream = server.GetStream();
            await Task.WhenAny(Relay.CopyAsync(tls, upstream, n => Interlocked.Add(ref _relayed, n), _stop.Token),
                Relay.CopyAsync(upstream, tls, null, _stop.Token));
        }
        catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}

/// <summary>Copies one direction of a relayed connection until either side ends.</summary>
internal static class Relay
{
    public static async Task CopyAsync(Stream from, Stream to, Action<int>? counted, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer, ct)) > 0)
            {
                counted?.Invoke(n);
                await to.WriteAsync(buffer.AsMemory(0, n), ct);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException or AuthenticationException) { }
        finally
        {
            try { to.Dispose(); } catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        }
    }
}
