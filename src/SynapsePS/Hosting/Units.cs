using System;
using System.Globalization;

namespace SynapsePS.Hosting;

/// <summary>Human units for sizes, as the format file and progress show them.</summary>
public static class Units
{
    public static string Bytes(long bytes)
    {
        string[] units = { "B", "KB", "MB", "GB", "TB", "PB" };
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0
            ? bytes.ToString(CultureInfo.CurrentCulture) + " B"
            : value.ToString(value >= 100 ? "0" : "0.0", CultureInfo.CurrentCulture) + " " + units[unit];
    }
}
