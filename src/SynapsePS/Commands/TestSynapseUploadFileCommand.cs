using System;
using System.Management.Automation;
using SynapsePS.Hosting;
using SynapsePS.Files;

namespace SynapsePS.Commands;

/// <summary>Checks files before an upload: one answer per file, or $true/$false with -Quiet.</summary>
[Cmdlet(VerbsDiagnostic.Test, "SynapseUploadFile", DefaultParameterSetName = PathSet)]
[OutputType(typeof(UploadFileCheck), typeof(bool))]
public sealed class TestSynapseUploadFileCommand : FileCommandBase
{
    /// <summary>The largest size accepted, in GiB (default 10, as the Python SDK's recipes use).</summary>
    [Parameter]
    [ValidateRange(0.0, 1048576.0)]
    public double MaxSizeGB { get; set; } = 10;

    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        var maxBytes = (long)Math.Min(long.MaxValue, MaxSizeGB * 1024 * 1024 * 1024);
        foreach (var path in Paths)
        {
            foreach (var (resolved, error) in FileSystemPaths.Resolve(this, new[] { path }, IsLiteral))
            {
                string target;
                if (error is null)
                {
                    target = resolved!;
                }
                else if (error.Exception is SynapseClientException { Kind: SynapseErrorKind.PathNotFound })
                {
                    // A missing file is an answer, not an error.
                    target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                }
                else
                {
                    WriteError(error);
                    continue;
                }

                var check = FileRules.Check(target, maxBytes);
                if (Quiet) WriteObject(check.Valid);
                else WriteObject(check);
            }
        }
    }
}
