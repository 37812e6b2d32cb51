using System;

namespace SynapsePS.Protocol;

/// <summary>
/// Where requests of an upload may go: only under the connection's base URL. drf-chunked-upload builds a record's
/// <c>url</c> from the request it received, so behind a proxy it can name an internal host, another port or http;
/// the credentials must never follow it there.
/// </summary>
internal static class UploadOrigin
{
    private const string CollectionPath = "chunked_upload/";

    /// <summary>Same scheme, host and port (scheme and host compared case-insensitively).</summary>
    public static bool IsSameOrigin(Uri url, Uri baseUrl) =>
        url.IsAbsoluteUri
        && string.Equals(url.Scheme, baseUrl.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(url.IdnHost, baseUrl.IdnHost, StringComparison.OrdinalIgnoreCase)
        && url.Port == baseUrl.Port;

    /// <summary>Whether <paramref name="url"/> is on the base URL's origin and its path starts with the base's path.</summary>
    public static bool IsUnderBase(Uri url, Uri baseUrl) =>
        IsSameOrigin(url, baseUrl) && url.AbsolutePath.StartsWith(baseUrl.AbsolutePath, StringComparison.Ordinal);

    /// <summary>Where uploads start and are listed: <c>{base}chunked_upload/</c>.</summary>
    public static Uri CollectionUrl(Uri baseUrl) => new(baseUrl, CollectionPath);

    /// <summary>The protocol's own address of an upload: <c>{base}chunked_upload/{id}/</c>.</summary>
    public static Uri ProtocolUrl(Uri baseUrl, string id) =>
        new(baseUrl, CollectionPath + Uri.EscapeDataString(id) + "/");

    /// <summary>The address to use for an upload the server names <paramref name="advertised"/>: that one when it is under the base URL, else the protocol's own.</summary>
    public static Uri UrlFor(Uri baseUrl, string id, Uri? advertised) =>
        advertised is not null && IsUnderBase(advertised, baseUrl) ? advertised : ProtocolUrl(baseUrl, id);
}
