using System;
using System.Collections.Generic;
using System.Globalization;

namespace SynapsePS.Reporting;

/// <summary>
/// The one line a batch writes every -StatusIntervalSec, for logs and transcripts where no progress bar is drawn:
/// "12:03:05 412 of 1,200 files (3 skipped, 0 failed, 4 in flight), 3.1 of 9.8 GiB, 41.2 MiB/s, about 2 h 45 min left",
/// with ", 14 at once" after the files in flight when the batch chooses that count itself.
/// Invariant culture, so a log reads the same on every machine and a script can parse it.
/// </summary>
internal static class StatusLine
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly string[] Units = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };

    /// <param name="now">The time to start the line with, shown on the machine's local clock like every time in the line.</param>
    public static string Format(BatchStatus status, DateTimeOffset now)
    {
        if (status is null) throw new ArgumentNullException(nameof(status));
        var parts = new List<string>();

        var files = status.TotalFiles is { } totalFiles
            ? $"{Count(status.Finished)} of {Count(totalFiles)} files"
            : $"{Count(status.Finished)} {(status.Finished == 1 ? "file" : "files")}";
        var counts = $"{Count(status.Skipped)} skipped, {Count(status.Failed)} failed, {Count(status.InFlight)} in flight";
        if (status.AtOnce is { } atOnce) counts += $", {Count(atOnce)} at once";
        if (status.WaitingForAnotherRun > 0) counts += $", {Count(status.WaitingForAnotherRun)} waiting for another run";
        parts.Add($"{Clock(now)} {files} ({counts})");

        parts.Add(status.TotalBytes is { } totalBytes
            ? BytesOf(status.BytesDone, totalBytes)
            : Bytes(status.BytesDone) + " done");
        parts.Add(Bytes((long)Math.Round(status.BytesPerSecond)) + "/s");

        if (status.WaitingForServerSince is { } since)
            parts.Add($"waiting for the server since {Clock(since)}");
        else if (EtaOf(status) is { } eta)
            parts.Add(eta);

        return string.Join(", ", parts);
    }

    /// <summary>"about 2 h 45 min left" from the bytes still to send at the current rate; null while either is unknown.</summary>
    internal static string? EtaOf(BatchStatus status)
    {
        if (status.TotalBytes is not { } total || status.BytesPerSecond <= 0) return null;
        var left = total - status.BytesDone;
        if (left <= 0) return null;
        var seconds = left / status.BytesPerSecond;
        if (seconds > TimeSpan.MaxValue.TotalSeconds / 2) return null;
        return Remaining(TimeSpan.FromSeconds(seconds));
    }

    internal static string Remaining(TimeSpan t)
    {
        if (t < TimeSpan.FromMinutes(1)) return "less than a minute left";
        var minutes = (long)Math.Round(t.TotalMinutes);
        if (minutes < 60) return $"about {minutes} min left";
        long h = minutes / 60, min = minutes % 60;
        return min == 0 ? $"about {h} h left" : $"about {h} h {min} min left";
    }

    /// <summary>"3.1 of 9.8 GiB": both in the unit of the total, so they compare at a glance.</summary>
    internal static string BytesOf(long done, long total)
    {
        var unit = UnitOf(Math.Max(done, total));
        return $"{Scaled(done, unit)} of {Scaled(total, unit)} {Units[unit]}";
    }

    internal static string Bytes(long bytes)
    {
        var unit = UnitOf(bytes);
        return $"{Scaled(bytes, unit)} {Units[unit]}";
    }

    private static int UnitOf(long bytes)
    {
        var unit = 0;
        for (double b = bytes; b >= 1024 && unit < Units.Length - 1; b /= 1024) unit++;
        return unit;
    }

    private static string Scaled(long bytes, int unit) =>
        unit == 0 ? bytes.ToString(Invariant) : (bytes / Math.Pow(1024, unit)).ToString("0.0", Invariant);

    private static string Clock(DateTimeOffset t) => t.ToLocalTime().ToString("HH:mm:ss", Invariant);

    private static string Count(int n) => n.ToString("N0", Invariant);
}
