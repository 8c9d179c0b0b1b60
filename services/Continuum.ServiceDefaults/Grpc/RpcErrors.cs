using System.Diagnostics.CodeAnalysis;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Continuum.ServiceDefaults.Grpc;

/// <summary>
/// The rich errors every service answers with (google.rpc.Status plus a detail a client can read
/// by field), so a caller in any language can tell which field or resource was wrong.
/// </summary>
public static class RpcErrors
{
    /// <summary>InvalidArgument with one BadRequest field violation.</summary>
    [DoesNotReturn]
    public static void ThrowInvalidArgument(string field, string description) =>
        throw InvalidArgument((field, description));

    public static RpcException InvalidArgument(params (string Field, string Description)[] violations)
    {
        var badRequest = new BadRequest();
        foreach (var (field, description) in violations)
        {
            badRequest.FieldViolations.Add(
                new BadRequest.Types.FieldViolation { Field = field, Description = description });
        }

        var message = string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}"));
        return Build(StatusCode.InvalidArgument, message, Any.Pack(badRequest));
    }

    /// <summary>NotFound naming the resource type and its name.</summary>
    [DoesNotReturn]
    public static void ThrowNotFound(string resourceType, string resourceName) =>
        throw NotFound(resourceType, resourceName);

    /// <summary>The exception <see cref="ThrowNotFound"/> throws, for callers that throw it themselves.</summary>
    public static RpcException NotFound(string resourceType, string resourceName) =>
        Build(
            StatusCode.NotFound,
            $"{resourceType} '{resourceName}' was not found.",
            Any.Pack(new ResourceInfo { ResourceType = resourceType, ResourceName = resourceName }));

    /// <summary>AlreadyExists naming the resource type and its name.</summary>
    [DoesNotReturn]
    public static void ThrowAlreadyExists(string resourceType, string resourceName) =>
        throw Build(
            StatusCode.AlreadyExists,
            $"{resourceType} '{resourceName}' already exists.",
            Any.Pack(new ResourceInfo { ResourceType = resourceType, ResourceName = resourceName }));

    /// <summary>
    /// FailedPrecondition with a machine-readable reason (UPPER_SNAKE, tabled in protos/README.md), the domain
    /// (the full name of the answering service) and a sentence for people.
    /// </summary>
    [DoesNotReturn]
    public static void ThrowFailedPrecondition(string domain, string reason, string description) =>
        throw Build(
            StatusCode.FailedPrecondition,
            description,
            Any.Pack(new ErrorInfo { Reason = reason, Domain = domain }));

    /// <summary>FailedPrecondition as above, with ErrorInfo metadata naming what is in the way.</summary>
    [DoesNotReturn]
    public static void ThrowFailedPrecondition(
        string domain, string reason, string description, IDictionary<string, string> metadata) =>
        throw Build(
            StatusCode.FailedPrecondition,
            description,
            Any.Pack(new ErrorInfo { Reason = reason, Domain = domain, Metadata = { metadata } }));

    private static RpcException Build(StatusCode code, string message, Any detail) =>
        new Google.Rpc.Status { Code = (int)code, Message = message, Details = { detail } }.ToRpcException();
}
