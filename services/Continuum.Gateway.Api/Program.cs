using Continuum.Gateway;
using Continuum.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddGatewayService();

var app = builder.BuildContinuumApp();
app.MapGatewayService();
await app.RunAsync();
