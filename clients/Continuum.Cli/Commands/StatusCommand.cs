using System.CommandLine;
using Continuum.Contracts;
using Grpc.Core;
using Grpc.Health.V1;
using Spectre.Console;

namespace Continuum.Cli.Commands;

/// <summary><c>continuum status</c>: the gRPC health of every public service behind <c>--server</c>.</summary>
public static class StatusCommand
{
    private const string Serving = "SERVING";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public sealed record ServiceStatus(string Name, string Service, string Status);

    public sealed record StatusReport(string Server, IReadOnlyList<ServiceStatus> Services);

    public static Command Create()
    {
        var command = new Command("status", "Health of every service behind --server; exits 1 unless all are SERVING.");
        command.SetAction((parsed, cancellationToken) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var health = new Health.HealthClient(connection.Invoker);
            // All at once: a hung server costs one timeout, not one per service.
            var services = await Task.WhenAll(ServiceCatalog.All.Select(async service =>
                new ServiceStatus(service.Name, service.GrpcName,
                    await CheckAsync(health, service.GrpcName, cancellationToken))));

            var report = new StatusReport(connection.Address, services);
            if (Output.IsJson(parsed))
            {
                await Output.WriteJsonAsync(parsed, report);
            }
            else
            {
                WriteTable(parsed, report);
            }

            return services.All(s => s.Status == Serving)
                ? CliApp.Ok
                : CliApp.ServerError;
        }));
        return command;
    }

    private static async Task<string> CheckAsync(Health.HealthClient health, string service, CancellationToken ct)
    {
        try
        {
            var response = await health.CheckAsync(
                new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow + Timeout,
                cancellationToken: ct);
            return response.Status switch
            {
                HealthCheckResponse.Types.ServingStatus.Serving => Serving,
                HealthCheckResponse.Types.ServingStatus.NotServing => "NOT_SERVING",
                HealthCheckResponse.Types.ServingStatus.ServiceUnknown => "SERVICE_UNKNOWN",
                _ => "UNKNOWN",
            };
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // The server answers but does not host this service.
            return "SERVICE_UNKNOWN";
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.DeadlineExceeded)
        {
            return $"NO_ANSWER_IN_{Timeout.TotalSeconds:0}S";
        }
    }

    private static void WriteTable(ParseResult parsed, StatusReport report)
    {
        var console = Output.Console(parsed);
        var table = new Table().AddColumns("SERVICE", "GRPC SERVICE", "STATUS");
        foreach (var s in report.Services)
        {
            var color = s.Status == Serving ? "green" : "red";
            table.AddRow(s.Name, s.Service, $"[{color}]{s.Status}[/]");
        }

        console.MarkupLine($"Server [bold]{Markup.Escape(report.Server)}[/]");
        console.Write(table);
    }
}
