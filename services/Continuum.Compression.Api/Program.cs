using Continuum.Compression;
using Continuum.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddCompressionService();

var app = builder.BuildContinuumApp();
app.MapCompressionService();
await app.RunAsync();
