using System.Management.Automation;

namespace SynapsePS.Hosting;

/// <summary>What ShouldProcess will do per item in this call: say (-WhatIf) or ask (-Confirm), from the switches or their preferences.</summary>
internal static class PerItemQuestions
{
    /// <summary>Whether ShouldProcess would say or ask something per item of a command whose ConfirmImpact is Low.</summary>
    public static bool AreAsked(PSCmdlet cmdlet)
    {
        var bound = cmdlet.MyInvocation.BoundParameters;
        var whatIf = bound.TryGetValue("WhatIf", out var w) ? ((SwitchParameter)w).IsPresent
            : LanguagePrimitives.IsTrue(cmdlet.GetVariableValue("WhatIfPreference"));
        var confirm = bound.TryGetValue("Confirm", out var c) ? ((SwitchParameter)c).IsPresent
            : cmdlet.GetVariableValue("ConfirmPreference") is ConfirmImpact asked && asked != ConfirmImpact.None && asked <= ConfirmImpact.Low;
        return whatIf || confirm;
    }
}
