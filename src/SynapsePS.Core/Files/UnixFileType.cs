using System;
using System.Runtime.InteropServices;

namespace SynapsePS.Files;

/// <summary>
/// The file type from stat(2) on Unix, through the runtime's own System.Native library (its FileStatus layout is
/// the runtime's, the same on every architecture). Null where it cannot be asked (Windows, .NET Framework).
/// </summary>
internal static class UnixFileType
{
    public enum Kind { Regular, Directory, Fifo, CharacterDevice, BlockDevice, Socket, Other }

    // FileStatus of System.Native (Flags, Mode, Uid, Gid, Size, then times and ids); padded for what follows Mode.
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    private struct FileStatus
    {
        public int Flags;
        public int Mode;
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
    private static extern int Stat(byte[] utf8Path, out FileStatus status);

    public static Kind? Of(string path)
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return null;
        try
        {
            if (Stat(System.Text.Encoding.UTF8.GetBytes(path + "\0"), out var status) != 0) return null;
            return (status.Mode & 0xF000) switch
            {
                0x8000 => Kind.Regular,
                0x4000 => Kind.Directory,
                0x1000 => Kind.Fifo,
                0x2000 => Kind.CharacterDevice,
                0x6000 => Kind.BlockDevice,
                0xC000 => Kind.Socket,
                _ => Kind.Other,
            };
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or MarshalDirectiveException)
        {
            return null;
        }
    }

    public static string Describe(Kind kind) => kind switch
    {
        Kind.Fifo => "named pipe",
        Kind.CharacterDevice => "character device",
        Kind.BlockDevice => "block device",
        Kind.Socket => "socket",
        Kind.Directory => "directory",
        _ => "special file",
    };
}
