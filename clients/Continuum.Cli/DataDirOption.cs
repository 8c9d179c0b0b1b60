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
            if (directory is not null && WritableFolder.WhyNot(directory.FullName) is { } why)
            {
                result.AddError($"--data-dir {directory.FullName} cannot be used: {why}.");
            }
        });
        return option;
    }
}
