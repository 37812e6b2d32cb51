using SynapsePS.Protocol;

namespace SynapsePS.Core.Tests.Unit;

/// <summary>What each answer of the server means (no server needed).</summary>
public sealed class ErrorKindsTests
{
    [Theory]
    [InlineData(400, "checksum does not match", SynapseErrorKind.ChecksumMismatch)]
    [InlineData(400, "Checksum of type 'md5' is required", SynapseErrorKind.ServerRejectedRequest)]
    [InlineData(400, "Offsets do not match", SynapseErrorKind.OffsetMismatch)]
    [InlineData(400, "Error in request headers", SynapseErrorKind.ServerRejectedRequest)]
    [InlineData(400, null, SynapseErrorKind.ServerRejectedRequest)]
    [InlineData(401, "Invalid token.", SynapseErrorKind.AuthenticationFailed)]
    [InlineData(403, null, SynapseErrorKind.AccessDenied)]
    [InlineData(404, "Not found.", SynapseErrorKind.UploadNotFound)]
    [InlineData(407, null, SynapseErrorKind.ProxyAuthenticationRequired)]
    [InlineData(408, null, SynapseErrorKind.RequestTimedOut)]
    [InlineData(410, "Upload has expired", SynapseErrorKind.UploadExpired)]
    [InlineData(413, null, SynapseErrorKind.FileTooLarge)]
    [InlineData(429, null, SynapseErrorKind.ServerThrottled)]
    [InlineData(500, null, SynapseErrorKind.ServerError)]
    [InlineData(503, null, SynapseErrorKind.ServerError)]
    [InlineData(507, null, SynapseErrorKind.InsufficientStorage)]
    [InlineData(302, null, SynapseErrorKind.UnexpectedResponse)]
    [InlineData(418, null, SynapseErrorKind.UnexpectedResponse)]
    public void Status_and_detail_give_the_kind(int status, string? detail, SynapseErrorKind kind) =>
        Assert.Equal(kind, ErrorKinds.KindForStatus(status, detail));

}
