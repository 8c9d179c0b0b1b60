namespace Continuum.Optimization;

/// <summary>
/// The optimization service's gRPC endpoint. Every rpc of the API answers Unimplemented until it is built.
/// TODO: the optimization API (studies and trials) has no issue yet; until then the service only reports health and
/// its schema.
/// </summary>
public sealed class OptimizationGrpcService : V1.OptimizationService.OptimizationServiceBase;
