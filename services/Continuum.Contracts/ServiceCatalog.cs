namespace Continuum.Contracts;

/// <summary>A public service: its short name (CLI, configuration, database) and its full gRPC name.</summary>
public sealed record PublicService(string Name, string GrpcName);

/// <summary>
/// Every public service of Continuum; the gateway routes them and <c>continuum status</c> checks them.
/// </summary>
public static class ServiceCatalog
{
    public static readonly PublicService Data = new("data", Continuum.Data.V1.DataService.Descriptor.FullName);
    public static readonly PublicService Training =
        new("training", Continuum.Training.V1.TrainingService.Descriptor.FullName);
    public static readonly PublicService Optimization =
        new("optimization", Continuum.Optimization.V1.OptimizationService.Descriptor.FullName);
    public static readonly PublicService Compression =
        new("compression", Continuum.Compression.V1.CompressionService.Descriptor.FullName);
    public static readonly PublicService Registry =
        new("registry", Continuum.Registry.V1.RegistryService.Descriptor.FullName);
    public static readonly PublicService Gateway =
        new("gateway", Continuum.Gateway.V1.GatewayService.Descriptor.FullName);

    public static IReadOnlyList<PublicService> All { get; } =
        [Data, Training, Optimization, Compression, Registry, Gateway];

    public static PublicService? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}
