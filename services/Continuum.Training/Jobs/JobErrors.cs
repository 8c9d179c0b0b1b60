using Continuum.Ml.Training;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Status = Google.Rpc.Status;

namespace Continuum.Training.Jobs;

/// <summary>The google.rpc.Status a job ends with, for each way it can end badly.</summary>
public static class JobErrors
{
    public static Status Cancelled() =>
        new() { Code = (int)StatusCode.Cancelled, Message = "Cancelled by CancelTrainingJob." };

    public static string CancelledJson() => JobMapper.Json(Cancelled());

    public static Status LossNotFinite(NonFiniteLossException e) => Precondition("LOSS_NOT_FINITE", e.Message,
        new Dictionary<string, string>
        {
            ["epoch"] = (e.Epoch + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["step"] = e.Step.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public static Status CudaNotAvailable(string message) => Precondition("CUDA_NOT_AVAILABLE", message, null);

    /// <summary>A peer's error as it answered, details included.</summary>
    public static Status FromRpc(RpcException e) =>
        e.GetRpcStatus() ?? new Status { Code = (int)e.StatusCode, Message = e.Status.Detail };

    public static Status Internal(Exception e) =>
        new() { Code = (int)StatusCode.Internal, Message = $"The worker failed: {e.GetType().Name}: {e.Message}" };

    private static Status Precondition(string reason, string message, IDictionary<string, string>? metadata)
    {
        var info = new ErrorInfo { Reason = reason, Domain = TrainingGrpcService.Domain };
        if (metadata is not null)
        {
            info.Metadata.Add(metadata);
        }

        return new Status { Code = (int)StatusCode.FailedPrecondition, Message = message, Details = { Any.Pack(info) } };
    }
}
