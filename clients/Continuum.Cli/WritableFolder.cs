namespace Continuum.Cli;

/// <summary>
/// Whether a folder the command will write in can be written, found out before any call: a usage error in one line
/// rather than a failure halfway through that reads like the server's.
/// </summary>
public static class WritableFolder
{
    /// <summary>Null when this process can create the folder and write in it; otherwise why not.</summary>
    public static string? WhyNot(string path)
    {
        if (File.Exists(path))
        {
            return "it is a file, not a folder";
        }

        var probe = Path.Combine(path, $".write-check-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(path);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"this process cannot create it or write in it ({e.Message.TrimEnd('.')})";
        }
    }
}
