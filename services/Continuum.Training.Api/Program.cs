using Continuum.Training;
using Continuum.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddTrainingService();

var app = builder.BuildContinuumApp();
app.MapTrainingService();
await app.RunAsync();
