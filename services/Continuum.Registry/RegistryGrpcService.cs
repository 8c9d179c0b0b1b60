namespace Continuum.Registry;

/// <summary>
/// The registry service's gRPC endpoint. Every rpc of the API answers Unimplemented until it is built.
/// TODO(#4): implement the registry API; until then the service only reports health and its schema.
/// </summary>
public sealed class RegistryGrpcService : V1.RegistryService.RegistryServiceBase;
