namespace Continuum.Training;

/// <summary>
/// The training service's gRPC endpoint. Every rpc of the API answers Unimplemented until it is built.
/// TODO(#5): implement the training API; until then the service only reports health and its schema.
/// </summary>
public sealed class TrainingGrpcService : V1.TrainingService.TrainingServiceBase;
