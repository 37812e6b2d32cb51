using System;
using System.Management.Automation;

namespace SynapsePS.Commands;

/// <summary>
/// -Path (wildcards, by value and by property name) and -LiteralPath (PSPath, LP), bound the way the engine's
/// own cmdlets bind them, so Get-ChildItem output arrives through PSPath and names with [ ] stay literal.
/// </summary>
public abstract class FileCommandBase : SynapseCommandBase
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    private protected bool IsLiteral => ParameterSetName == LiteralPathSet;

    /// <summary>The paths of this pipeline item, whichever parameter carried them.</summary>
    private protected string[] Paths => IsLiteral ? LiteralPath : Path;
}
