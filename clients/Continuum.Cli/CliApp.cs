using System.CommandLine;
using Continuum.Cli.Commands;

namespace Continuum.Cli;

/// <summary>
/// The <c>continuum</c> command tree and its exit codes: 0 ok, 1 the server answered with an error, 2 usage error.
/// </summary>
public static class CliApp
{
    public const int Ok = 0;
    public const int ServerError = 1;
    public const int UsageError = 2;

    /// <summary>
    /// Ctrl-C stopped a command before its end (a watch leaves its job running, a demo its runs as they are), so
    /// the status must not read as success: <c>train --watch &amp;&amp; deploy</c> would go on without a model.
    /// 130 is what shells report for a command stopped by SIGINT.
    /// </summary>
    public const int Interrupted = 130;

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Continuum: continual learning as a suite of gRPC services.");
        GlobalOptions.AddTo(root);
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(Commands.Demo.DemoCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(Commands.Datasets.DatasetsCommand.Create());
        root.Subcommands.Add(Commands.Models.ModelsCommand.Create());
        root.Subcommands.Add(Commands.Training.TrainCommand.Create());
        root.Subcommands.Add(Commands.Training.JobsCommand.Create());
        root.Subcommands.Add(Commands.Policies.PoliciesCommand.Create());
        root.Subcommands.Add(Commands.EventsCommand.Create());
        return root;
    }

    /// <summary>
    /// Runs one command line. <paramref name="cancellationToken"/> reaches the command's action as its
    /// cancellation token, which ends a long-running command such as <c>models watch</c> as Ctrl-C does.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null,
        CancellationToken cancellationToken = default)
    {
        var root = BuildRoot();
        // A bare `continuum` shows what it can do rather than an error.
        var parsed = root.Parse(args.Length == 0 ? ["--help"] : args);
        var config = new InvocationConfiguration
        {
            Output = stdout ?? Console.Out,
            Error = stderr ?? Console.Error,
            // Ctrl-C is left to the commands: `serve` shuts its host down gracefully instead of being cut off.
            ProcessTerminationTimeout = null,
        };

        // Help and version are answers, not errors; anything else unparsed is a usage error.
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await config.Error.WriteLineAsync(error.Message);
            }

            await config.Error.WriteLineAsync("Run 'continuum --help' for usage.");
            return UsageError;
        }

        return await parsed.InvokeAsync(config, cancellationToken);
    }
}
