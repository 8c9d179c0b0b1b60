using Continuum.ServiceDefaults;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Continuum.Data.Ingest;

/// <summary>At start, removes the partial uploads of a process that was killed mid-upload.</summary>
internal sealed class StaleUploadSweeper(IOptions<ContinuumOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        UploadStaging.SweepStale(UploadStaging.RootFor(options.Value));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
