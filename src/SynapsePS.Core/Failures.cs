using System;

namespace SynapsePS;

/// <summary>How the engine turns what went wrong into the one exception type it throws.</summary>
internal static class Failures
{
    /// <summary>The same failure, naming the file it concerns.</summary>
    public static SynapseClientException WithFile(this SynapseClientException ex, string path) =>
        ex.FilePath is not null ? ex
            : new SynapseClientException(ex.Kind, ex.Message, ex.StatusCode, ex.Detail, ex.ResponseBody, path, ex.InnerException,
                ex.IsTransient, ex.RetryAfter, ex.ServerOffset);

    /// <summary>
    /// The one policy for an exception nobody expected (a bug of ours): the file fails as UnexpectedError with the
    /// cause attached, and the caller goes on with the next file, in Send and in a batch alike.
    /// </summary>
    public static SynapseClientException Unexpected(Exception ex, string path) =>
        new(SynapseErrorKind.UnexpectedError, $"Uploading '{path}' failed unexpectedly: {ex.GetType().Name}: {ex.Message}",
            filePath: path, inner: ex);

    /// <summary>The same policy for reading the server's records: the read fails as UnexpectedError with the cause attached.</summary>
    public static SynapseClientException UnexpectedReading(Exception ex, string what) =>
        new(SynapseErrorKind.UnexpectedError, $"Reading {what} failed unexpectedly: {ex.GetType().Name}: {ex.Message}", inner: ex);
}
