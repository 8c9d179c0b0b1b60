using Continuum.Contracts;
using Continuum.Data;
using Continuum.Data.V1;
using Continuum.Gateway;
using Continuum.Gateway.V1;
using Continuum.ServiceDefaults;
using Continuum.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Continuum.Tests.Hosting;

/// <summary>Distributed mode: the data service in its own process, the gateway forwarding to it.</summary>
public sealed class GatewayRoutingTests
{
    [Fact]
    public async Task Gateway_RoutedService_ForwardsCallsAndReportsBackendHealth()
    {
        var backendCalls = 0;
        var backend = await StartAsync(builder => builder.AddDataService(), app =>
        {
            app.Use((context, next) =>
            {
                if (context.Request.Path.StartsWithSegments($"/{ServiceCatalog.Data.GrpcName}"))
                {
                    Interlocked.Increment(ref backendCalls);
                }

                return next(context);
            });
            app.MapDataService();
        });
        var gateway = await StartAsync(
            builder => builder.AddGatewayService(), app => app.MapGatewayService(),
            $"--Continuum:Gateway:Routes:data={backend.Urls.Single()}");
        using var channel = GrpcChannel.ForAddress(gateway.Urls.Single());
        var health = new Health.HealthClient(channel);

        try
        {
            var info = await new GatewayService.GatewayServiceClient(channel)
                .GetGatewayInfoAsync(new GetGatewayInfoRequest()).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
            Assert.Equal(DeploymentMode.Distributed, info.Mode);
            var route = Assert.Single(info.Services);
            Assert.Equal(ServiceCatalog.Data.GrpcName, route.Service);
            Assert.Equal(new Uri(backend.Urls.Single()), new Uri(route.Address));

            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
                await CheckAsync(health, ServiceCatalog.Data));

            // Only the data service itself knows the dataset is missing: the gateway forwarded the call.
            var error = await Assert.ThrowsAsync<RpcException>(() => new DataService.DataServiceClient(channel)
                .GetDatasetAsync(new GetDatasetRequest { Name = "datasets/fashion" })
                .ResponseAsync.WaitAsync(TestEnvironment.Timeout));
            Assert.Equal(StatusCode.NotFound, error.StatusCode);
            Assert.Contains("datasets/fashion", error.Status.Detail);
            Assert.Equal(1, backendCalls);
        }
        finally
        {
            await StopAsync(backend);
        }

        try
        {
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing,
                await CheckAsync(health, ServiceCatalog.Data));
        }
        finally
        {
            await StopAsync(gateway);
        }
    }

    [Fact]
    public void AddGatewayService_RouteToUnknownService_FailsAtStartNamingKnownOnes()
    {
        var builder = WebApplication.CreateBuilder(["--Continuum:Gateway:Routes:dta=http://127.0.0.1:1"]);

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddGatewayService());

        Assert.Contains("Continuum:Gateway:Routes:dta", error.Message);
        Assert.Contains("data, training, optimization, compression, registry", error.Message);
    }

    [Fact]
    public async Task Gateway_RouteBackToItself_FailedPreconditionInsteadOfLooping()
    {
        var port = FreePort();
        var address = $"http://127.0.0.1:{port}";
        var builder = WebApplication.CreateBuilder(
        [
            $"--urls={address}",
            $"--Continuum:DataDir={TestEnvironment.NewTempDir()}",
            "--Logging:LogLevel:Default=Warning",
            $"--Continuum:Gateway:Routes:data={address}",
        ]);
        builder.AddGatewayService();
        var gateway = builder.BuildContinuumApp();
        gateway.MapGatewayService();
        await gateway.StartAsync().WaitAsync(TestEnvironment.Timeout);
        using var channel = GrpcChannel.ForAddress(address);

        try
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => new DataService.DataServiceClient(channel)
                .GetDatasetAsync(new GetDatasetRequest { Name = "datasets/x" })
                .ResponseAsync.WaitAsync(TestEnvironment.Timeout));

            Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
            Assert.Contains("Routing loop", error.Status.Detail);
        }
        finally
        {
            await StopAsync(gateway);
        }
    }

    [Fact]
    public void AddGatewayService_RouteForServiceHostedInProcess_FailsAtStart()
    {
        var builder = WebApplication.CreateBuilder(["--Continuum:Gateway:Routes:data=http://127.0.0.1:1"]);
        builder.AddDataService();

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddGatewayService());

        Assert.Contains("which this process hosts itself", error.Message);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<HealthCheckResponse.Types.ServingStatus> CheckAsync(
        Health.HealthClient health, PublicService service)
    {
        var response = await health.CheckAsync(new HealthCheckRequest { Service = service.GrpcName })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        return response.Status;
    }

    private static async Task<WebApplication> StartAsync(
        Action<WebApplicationBuilder> add, Action<WebApplication> map, params string[] extraArgs)
    {
        var builder = WebApplication.CreateBuilder(
        [
            "--urls=http://127.0.0.1:0",
            $"--Continuum:DataDir={TestEnvironment.NewTempDir()}",
            "--Logging:LogLevel:Default=Warning",
            .. extraArgs,
        ]);
        add(builder);
        var app = builder.BuildContinuumApp();
        map(app);
        await app.StartAsync().WaitAsync(TestEnvironment.Timeout);
        return app;
    }

    private static async Task StopAsync(WebApplication app)
    {
        await app.StopAsync().WaitAsync(TestEnvironment.Timeout);
        await app.DisposeAsync();
    }
}
