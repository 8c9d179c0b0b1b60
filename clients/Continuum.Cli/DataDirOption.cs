using System.CommandLine;

namespace Continuum.Cli;

/// <summary>
/// <c>--data-dir</c> of the commands that run the embedded suite. The folder must be one this process can create
/// and write: found out here, it is a usage error in one line rather than a host that fails to start.
/// </summary>
public static class DataDirOption
{
    public static Option<DirectoryInfo> Create(string description)
    {
        var option = new Option<DirectoryInfo>("--data-dir")
        {
            HelpName = "DIR",
            Description = description,
            DefaultValueFactory = _ => new DirectoryInfo("continuum-data"),
        };
        option.Validators.Add(result =>
        {
            var directory = result.GetValueOrDefault<DirectoryInfo>();
            if (directory is not null && WhyNotWritable(directory.FullName) is { } why)
            {
                result.AddError($"--data-dir {directory.FullName} cannot be used: {why}.");
            }
        });
        return option;
    }

    private static string? WhyNotWritable(string path)
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
