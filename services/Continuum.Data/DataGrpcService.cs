namespace Continuum.Data;

/// <summary>
/// The data service's gRPC endpoint. Every rpc of the API answers Unimplemented until it is built.
/// TODO(#3): implement the data API; until then the service only reports health and its schema.
/// </summary>
public sealed class DataGrpcService : V1.DataService.DataServiceBase;
