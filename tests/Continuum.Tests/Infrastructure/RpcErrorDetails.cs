using Google.Rpc;
using Grpc.Core;

namespace Continuum.Tests.Infrastructure;

/// <summary>The google.rpc details a service attaches to its errors, read the way a client reads them.</summary>
public static class RpcErrorDetails
{
    public static BadRequest BadRequestOf(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<BadRequest>()
            ?? throw new Xunit.Sdk.XunitException($"No BadRequest detail in: {error.Status}");

    /// <summary>The one field violation of an InvalidArgument error.</summary>
    public static BadRequest.Types.FieldViolation SingleViolation(RpcException error) =>
        Assert.Single(BadRequestOf(error).FieldViolations);

    public static ErrorInfo ErrorInfoOf(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<ErrorInfo>()
            ?? throw new Xunit.Sdk.XunitException($"No ErrorInfo detail in: {error.Status}");
}
