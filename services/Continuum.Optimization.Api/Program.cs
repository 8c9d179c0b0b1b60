using Continuum.Optimization;
using Continuum.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddOptimizationService();

var app = builder.BuildContinuumApp();
app.MapOptimizationService();
await app.RunAsync();
