using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Continuum.ServiceDefaults.Grpc;

/// <summary>
/// An rpc that is declared but not built yet answers Unimplemented with an empty message from the generated
/// base class; this names the method and the version instead, so a caller knows it is not their mistake.
/// </summary>
internal sealed class UnimplementedInterceptor : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException e) when (IsBare(e))
        {
            throw Explained(context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (RpcException e) when (IsBare(e))
        {
            throw Explained(context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (RpcException e) when (IsBare(e))
        {
            throw Explained(context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (RpcException e) when (IsBare(e))
        {
            throw Explained(context);
        }
    }

    private static bool IsBare(RpcException e) =>
        e.StatusCode == StatusCode.Unimplemented && e.Status.Detail.Length == 0;

    private static RpcException Explained(ServerCallContext context) => new(new Status(
        StatusCode.Unimplemented,
        $"{context.Method.TrimStart('/')} is not built yet in Continuum {ContinuumVersion.Current}."));
}
