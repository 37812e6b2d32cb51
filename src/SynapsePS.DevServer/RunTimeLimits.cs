namespace SynapsePS.DevServer;

/// <summary>
/// The size limits a test can change while the server runs (GET and POST /_dev/limits, camelCase JSON), the same as
/// --max-size and --quota at start: one server per test file can play a server with a small upload limit or a full
/// volume for one test and a plain one for the next. A POST replaces both; {} turns both off.
/// </summary>
public sealed class RunTimeLimits
{
    /// <summary>Uploads larger than this are refused with 413 (--max-size); null: no limit.</summary>
    public long? MaxUploadBytes { get; set; }

    /// <summary>Total stored bytes above this are refused with 507 (--quota); null: no quota.</summary>
    public long? QuotaBytes { get; set; }

    /// <summary>The limits <paramref name="options"/> hold now.</summary>
    public static RunTimeLimits Of(DevServerOptions options) => new() { MaxUploadBytes = options.MaxUploadBytes, QuotaBytes = options.QuotaBytes };

    /// <summary>Why these limits cannot apply, or null.</summary>
    public string? Problem() =>
        MaxUploadBytes is < 1 ? "maxUploadBytes takes a positive number of bytes."
        : QuotaBytes is < 0 ? "quotaBytes takes zero or more bytes."
        : null;

    /// <summary>Makes these the server's limits; requests read them as they arrive.</summary>
    public void ApplyTo(DevServerOptions options)
    {
        options.MaxUploadBytes = MaxUploadBytes;
        options.QuotaBytes = QuotaBytes;
    }
}
