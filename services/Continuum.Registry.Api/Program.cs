using Continuum.Registry;
using Continuum.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddRegistryService();

var app = builder.BuildContinuumApp();
app.MapRegistryService();
await app.RunAsync();
