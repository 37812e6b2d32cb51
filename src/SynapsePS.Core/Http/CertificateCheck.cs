using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SynapsePS.Http;

/// <summary>Why a server certificate failed validation, in words a user can act on.</summary>
internal static class CertificateCheck
{
    public static string Describe(SslPolicyErrors errors, X509Certificate? certificate, X509Chain? chain, string host)
    {
        var reasons = new List<string>();
        var cert = certificate as X509Certificate2 ?? (certificate is null ? null : new X509Certificate2(certificate));
        if ((errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0) reasons.Add("the server sent no certificate");
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            var name = cert?.GetNameInfo(X509NameType.DnsName, false);
            reasons.Add(string.IsNullOrEmpty(name)
                ? $"it is not for the name {host} (RemoteCertificateNameMismatch)"
                : $"it is for another name ({name}), not {host} (RemoteCertificateNameMismatch)");
        }
        if ((errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            var seen = X509ChainStatusFlags.NoError;
            foreach (var status in chain?.ChainStatus ?? Array.Empty<X509ChainStatus>())
            {
                if ((seen & status.Status) == status.Status) continue;
                seen |= status.Status;
                reasons.Add(DescribeChainStatus(status, cert));
            }
            if (seen == X509ChainStatusFlags.NoError) reasons.Add("its certificate chain is not valid (RemoteCertificateChainErrors)");
        }
        return reasons.Count == 0 ? errors.ToString() : string.Join("; ", reasons);
    }

    private static string DescribeChainStatus(X509ChainStatus status, X509Certificate2? cert)
    {
        var flag = status.Status;
        string what;
        if (flag == X509ChainStatusFlags.NotTimeValid && cert is not null)
        {
            what = cert.NotAfter < DateTime.Now
                ? $"it expired on {cert.NotAfter.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}"
                : $"it is not valid before {cert.NotBefore.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}";
        }
        else
        {
            what = flag switch
            {
                X509ChainStatusFlags.UntrustedRoot => "it is issued by a certificate authority this machine does not trust",
                X509ChainStatusFlags.PartialChain => "its issuer is unknown to this machine (a private or TLS-inspection CA that is not installed)",
                X509ChainStatusFlags.Revoked => "it has been revoked",
                X509ChainStatusFlags.RevocationStatusUnknown or X509ChainStatusFlags.OfflineRevocation => "its revocation status could not be checked",
                _ => string.IsNullOrWhiteSpace(status.StatusInformation) ? "its chain is not valid" : status.StatusInformation.Trim().TrimEnd('.'),
            };
        }
        return $"{what} ({flag})";
    }
}
