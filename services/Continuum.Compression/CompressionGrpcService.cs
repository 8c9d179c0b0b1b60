namespace Continuum.Compression;

/// <summary>
/// The compression service's gRPC endpoint. Every rpc of the API answers Unimplemented until it is built.
/// TODO: the compression API (int8, pruning, distillation) has no issue yet; until then the service only reports
/// health and its schema.
/// </summary>
public sealed class CompressionGrpcService : V1.CompressionService.CompressionServiceBase;
