using System;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;

namespace SynapsePS.Hosting;

/// <summary>Lets a SecureString parameter also take a plain string (runbooks often hold tokens as variables).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject pso ? pso.BaseObject : inputData;
        if (value is string s)
        {
            var secure = new SecureString();
            foreach (var c in s) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }
        return value;
    }

    /// <summary>The plain text, only at the moment a header is built.</summary>
    internal static string? Reveal(SecureString? secure)
    {
        if (secure is null || secure.Length == 0) return null;
        var ptr = IntPtr.Zero;
        try
        {
            ptr = Marshal.SecureStringToGlobalAllocUnicode(secure);
            return Marshal.PtrToStringUni(ptr);
        }
        finally
        {
            if (ptr != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(ptr);
        }
    }
}
