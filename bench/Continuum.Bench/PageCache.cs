using System.Runtime.InteropServices;

namespace Continuum.Bench;

/// <summary>
/// Drops a file from the operating system's page cache, so that the next read of it comes from the disk: what
/// "reading the file from disk" means once the file has been read before. Linux only.
/// </summary>
internal static partial class PageCache
{
    private const int FadviseDontNeed = 4;

    public static bool CanEvict => OperatingSystem.IsLinux();

    public static void Evict(string path)
    {
        using var handle = File.OpenHandle(path);
        var fd = (int)handle.DangerousGetHandle();
        // Pages not yet written back cannot be dropped, so write them first.
        if (FdataSync(fd) != 0)
        {
            throw new IOException($"fdatasync failed on {path}: errno {Marshal.GetLastPInvokeError()}.");
        }

        // Returns the error number itself rather than setting errno.
        if (Fadvise(fd, 0, 0, FadviseDontNeed) is var error and not 0)
        {
            throw new IOException($"posix_fadvise failed on {path}: error {error}.");
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FdataSync(int fd);

    [LibraryImport("libc", EntryPoint = "posix_fadvise")]
    private static partial int Fadvise(int fd, long offset, long length, int advice);
}
