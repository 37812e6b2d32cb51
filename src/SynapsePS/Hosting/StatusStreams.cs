using System;
using System.Collections;
using System.Management.Automation;

namespace SynapsePS.Hosting;

/// <summary>The streams the status and outage lines can go to (-StatusStream).</summary>
internal enum StatusStream
{
    Auto,
    Information,
    Warning,
    Output,
    Verbose,
}

/// <summary>
/// Chooses the stream of the status and outage lines. Azure Automation keeps a job's Output, Warning and Error
/// streams by default, Verbose and Progress only when switched on, and Information not at all; so inside an
/// Automation job the lines go to Warning (Output would mix strings into the result objects a runbook pipes on),
/// and everywhere else to Information, where transcripts and -InformationVariable find them.
/// </summary>
internal static class StatusStreams
{
    /// <summary>The stream named by -StatusStream, with Auto decided for this runspace.</summary>
    public static StatusStream Resolve(PSCmdlet cmdlet, string named)
    {
        var stream = (StatusStream)Enum.Parse(typeof(StatusStream), named, ignoreCase: true);
        if (stream != StatusStream.Auto) return stream;
        return InAutomationJob(cmdlet.SessionState.PSVariable.GetValue("PSPrivateMetadata")) ? StatusStream.Warning : StatusStream.Information;
    }

    /// <summary>
    /// Whether <paramref name="metadata"/>, the value of $PSPrivateMetadata as the caller's scope sees it, is an Azure
    /// Automation job's: Automation defines it in the job's runspace with a <c>JobId</c> (a Guid; read as a
    /// dictionary key or a property). Anything else, an empty Guid included, is not a job.
    /// </summary>
    public static bool InAutomationJob(object? metadata)
    {
        var value = metadata is PSObject wrapped ? wrapped.BaseObject : metadata;
        var jobId = value switch
        {
            null => null,
            IDictionary dictionary => dictionary.Contains("JobId") ? dictionary["JobId"] : null,
            _ => PSObject.AsPSObject(value).Properties["JobId"]?.Value,
        };
        return (jobId is PSObject id ? id.BaseObject : jobId) switch
        {
            Guid guid => guid != Guid.Empty,
            string text => Guid.TryParse(text, out var parsed) && parsed != Guid.Empty,
            _ => false,
        };
    }
}
