using System;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace SynapsePS.Http;

/// <summary>
/// One keep-alive HttpClient per distinct network setting, shared by every upload, runspace and thread of the
/// process: connections with the same proxy, trust and client certificate share one connection pool, different
/// ones get their own. Clients are made on first use and kept for the process, so there are only as many as
/// the user configured settings.
/// </summary>
internal static class HttpClientPool
{
    private static readonly ConcurrentDictionary<string, Lazy<PooledHttpClient>> s_clients = new(StringComparer.Ordinal);

    public static PooledHttpClient For(SynapseNetworkSettings settings) =>
        s_clients.GetOrAdd(KeyOf(settings), _ => new Lazy<PooledHttpClient>(() => new PooledHttpClient(settings),
            LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>How many clients the process holds (one per distinct setting).</summary>
    internal static int Count => s_clients.Count;

    /// <summary>
    /// The identity of a setting: equal values give equal keys. The proxy password enters only as a hash, so the
    /// key can never show it.
    /// </summary>
    internal static string KeyOf(SynapseNetworkSettings s)
    {
        var credential = s.RevealProxyCredential();
        var key = new StringBuilder()
            .Append(s.NoProxy ? "direct" : s.Proxy?.AbsoluteUri ?? "system").Append('|')
            .Append(s.ProxyUseDefaultCredentials ? "default-credentials" : "").Append('|')
            .Append(credential is null ? "" : credential.Domain + "\\" + credential.UserName + ":" + Hash(credential.Password)).Append('|')
            .Append(s.SkipCertificateCheck ? "skip-check" : "check").Append('|')
            .Append(s.ClientCertificateThumbprint ?? "");
        return key.ToString();
    }

    private static string Hash(string? secret)
    {
        // The system's SHA-256, allowed under FIPS policy (SHA256.Create() on .NET Framework is not).
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(secret ?? ""));
        var digest = sha.GetHashAndReset();
        return BitConverter.ToString(digest).Replace("-", "");
    }
}
