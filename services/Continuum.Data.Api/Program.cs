using Continuum.Data;
using Continuum.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddDataService();

var app = builder.BuildContinuumApp();
app.MapDataService();
await app.RunAsync();
