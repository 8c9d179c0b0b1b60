using Continuum.Host;

await EmbeddedHost.Build(args).RunAsync();
