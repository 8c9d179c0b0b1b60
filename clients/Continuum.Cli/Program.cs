using Continuum.Cli;

return await CliApp.RunAsync(args);
