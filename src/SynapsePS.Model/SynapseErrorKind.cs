namespace SynapsePS;

/// <summary>
/// Every way an upload can fail. The member names are the stable ErrorIds that the cmdlets put on their
/// ErrorRecords (docs/error-ids.md), so renaming a member is a breaking change.
/// </summary>
public enum SynapseErrorKind
{
    // Local, before any request.
    PathNotFound,
    NotAFile,
    EmptyFile,
    FileUnreadable,
    FileChangedDuringUpload,
    InvalidConnection,
    ConnectionNotConfigured,
    UnsupportedProvider,
    HashAlgorithmUnavailable,

    // Answers of the server.
    ServerRejectedRequest,   // 400 other than the cases below
    ChecksumMismatch,        // 400 "checksum does not match", or a finish reply whose checksum/size is not the file's
    OffsetMismatch,          // 400 "Offsets do not match" that resync could not settle
    AuthenticationFailed,    // 401
    AccessDenied,            // 403
    UploadNotFound,          // 404
    UploadExpired,           // 410
    FileTooLarge,            // 413
    ServerThrottled,         // 429, after the retries ran out
    ServerError,             // 5xx, after the retries ran out
    InsufficientStorage,     // 507
    UnexpectedResponse,      // a reply that breaks the protocol (bad JSON, offset out of range)

    // Transport.
    ConnectionFailed,
    RequestTimedOut,

    // A fault of SynapsePS itself (a bug): the file fails with the cause attached; the journal stays.
    UnexpectedError,

    // Added later; members are appended so that the numbers of the earlier ones stay.
    UrlNotUnderBaseUrl,      // a URL to read is not under the connection's base URL: the token is not sent there
    // The network between us and the backend (appended: the members above keep their values).
    CertificateRejected,          // the TLS handshake failed: the server's certificate is not trusted, or ours was refused
    ProxyAuthenticationRequired,  // 407 from the proxy: its credential is missing or wrong
    // Riding out an outage, and the batch's failure budget (appended: the members above keep their values).
    ServerUnavailable,       // the server stayed away (no request succeeded) for longer than the outage limit
    TooManyFailures,         // a batch reached its -MaxFailures budget of failed files
    // Folders walked by -Recurse (appended: the members above keep their values).
    FolderUnreadable,        // a folder below a -Recurse path could not be listed; the walk went on without it
    // Runbooks (appended: the members above keep their values).
    TimeBudgetReached,       // the call's -MaxDurationSec passed: files were left unstarted or cut, journals kept
}
