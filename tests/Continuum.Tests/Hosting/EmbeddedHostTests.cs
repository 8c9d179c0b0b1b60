using Continuum.Contracts;
using Continuum.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.AspNetCore.HealthChecks;
using Grpc.Reflection.V1Alpha;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Continuum.Tests.Hosting;

public sealed class EmbeddedHostTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task HealthCheck_EveryPublicService_IsServing(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var health = new Health.HealthClient(host.Channel);

        foreach (var service in ServiceCatalog.All)
        {
            var response = await health.CheckAsync(new HealthCheckRequest { Service = service.GrpcName })
                .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
            Assert.True(response.Status == HealthCheckResponse.Types.ServingStatus.Serving,
                $"{service.GrpcName}: {response.Status}");
        }
    }

    [Fact]
    public async Task HealthCheck_EveryService_IncludesItsDatabaseAndTheBus()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var health = host.Services.GetRequiredService<IOptions<GrpcHealthChecksOptions>>().Value;
        var checks = host.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;

        foreach (var service in ServiceCatalog.All)
        {
            var mapping = health.Services.Single(m => m.Name == service.GrpcName);
            var included = checks.Where(c => mapping.HealthCheckPredicate!(new HealthCheckMapContext(c.Name, c.Tags)))
                .Select(c => c.Name).ToList();

            // MassTransit names its bus check after the bus; a service cannot serve while the bus is down.
            Assert.Contains(included, name => name.Contains("bus", StringComparison.OrdinalIgnoreCase));
            if (service != ServiceCatalog.Gateway)
            {
                Assert.Contains($"{service.Name}-database", included);
            }
        }
    }

    [Fact]
    public async Task Call_RpcNotBuiltYet_UnimplementedNamingTheMethod()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var optimization = new Continuum.Optimization.V1.OptimizationService.OptimizationServiceClient(host.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => optimization.GetStudyAsync(
            new Continuum.Optimization.V1.GetStudyRequest { Name = "studies/s" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
        Assert.Equal(
            "continuum.optimization.v1.OptimizationService/GetStudy is not built yet in Continuum 0.1.0.",
            error.Status.Detail);
    }

    [Fact]
    public async Task HealthCheck_UnknownService_AnswersNotFound()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var health = new Health.HealthClient(host.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(
            new HealthCheckRequest { Service = "continuum.nothing.v1.Nothing" })
                .ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Reflection_ListServices_NamesEveryPublicServiceWithHealthAndReflection()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var reflection = new ServerReflection.ServerReflectionClient(host.Channel);

        using var call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" })
            .WaitAsync(TestEnvironment.Timeout);
        await call.RequestStream.CompleteAsync().WaitAsync(TestEnvironment.Timeout);
        Assert.True(await call.ResponseStream.MoveNext().WaitAsync(TestEnvironment.Timeout));
        var listed = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToHashSet();

        var expected = ServiceCatalog.All.Select(s => s.GrpcName)
            .Append("grpc.health.v1.Health")
            .Append("grpc.reflection.v1alpha.ServerReflection");
        foreach (var name in expected)
        {
            Assert.Contains(name, listed);
        }
    }

    [Fact]
    public async Task Start_EmbeddedMode_CreatesOneSqliteFilePerServiceWithItsTables()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);

        var files = Directory.GetFiles(host.DataDir, "*.db").Select(Path.GetFileName).Order();

        Assert.Equal(
            ["compression.db", "data.db", "gateway.db", "optimization.db", "registry.db", "training.db"], files);
    }
}
