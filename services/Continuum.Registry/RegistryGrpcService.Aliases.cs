using Continuum.Events;
using Continuum.Registry.Storage;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Continuum.Registry;

public sealed partial class RegistryGrpcService
{
    public override async Task<SetModelAliasResponse> SetModelAlias(
        SetModelAliasRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var alias = ModelNames.ParseAlias(request.Name, "name");
        var target = ModelNames.ParseVersion(request.ModelVersion, "model_version");
        if (target.Model != alias.Model)
        {
            RpcErrors.ThrowInvalidArgument("model_version",
                $"belongs to {ModelNames.Model(target.Model)}, not to {ModelNames.Model(alias.Model)}.");
        }

        ValidateReason(request.Reason);

        var version = await RequireVersionAsync(target, ct);
        var row = new AliasRow
        {
            Model = alias.Model, Alias = alias.Alias, Version = version.Version, UpdateTime = ModelMapper.Now(),
            UpdatedBy = "", Reason = request.Reason, Gated = 0,
        };
        if (await repository.SetAliasAsync(row, ct) is not { } previous)
        {
            // Deleted between the check and the move.
            RpcErrors.ThrowNotFound("model version", ModelNames.Version(alias.Model, version.Version));
            return null;
        }

        var previousName = previous > 0 ? ModelNames.Version(alias.Model, previous) : "";
        var response = new SetModelAliasResponse
        {
            Alias = ModelMapper.ToProto(row), PreviousModelVersion = previousName,
        };
        await PublishAliasChangedAsync(row, response.Alias.ModelVersion, previousName, ct);
        return response;
    }

    public override async Task<Empty> DeleteModelAlias(DeleteModelAliasRequest request, ServerCallContext context)
    {
        var alias = ModelNames.ParseAlias(request.Name, "name");

        var now = ModelMapper.Now();
        if (await repository.DeleteAliasAsync(alias.Model, alias.Alias, now, context.CancellationToken)
            is not { } previous)
        {
            RpcErrors.ThrowNotFound("alias", request.Name);
            return null;
        }

        var row = new AliasRow { Model = alias.Model, Alias = alias.Alias, UpdateTime = now };
        await PublishAliasChangedAsync(row, "", ModelNames.Version(alias.Model, previous), context.CancellationToken);
        return new Empty();
    }

    public override async Task<ResolveModelAliasResponse> ResolveModelAlias(
        ResolveModelAliasRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var alias = ModelNames.ParseAlias(request.Name, "name");

        await RequireModelAsync(alias.Model, ct);
        var row = await repository.GetAliasAsync(alias.Model, alias.Alias, ct);
        if (row is null)
        {
            RpcErrors.ThrowNotFound("alias", request.Name);
        }

        var version = await RequireVersionAsync(new ModelVersionRef(alias.Model, row.Version), ct);
        return new ResolveModelAliasResponse
        {
            Alias = ModelMapper.ToProto(row),
            ModelVersion = await ToProtoAsync(version, ct),
        };
    }

    private static void ValidateReason(string reason)
    {
        if (reason.Length > 1000 || reason.Any(char.IsControl))
        {
            RpcErrors.ThrowInvalidArgument("reason", "is at most 1000 characters without control characters.");
        }
    }

    /// <summary>Told after the commit, so a subscriber that reads the registry sees the change.</summary>
    private Task PublishAliasChangedAsync(AliasRow row, string version, string previous, CancellationToken ct) =>
        publish.Publish(new ModelAliasChanged
        {
            EventId = Guid.NewGuid().ToString(),
            OccurredAt = DateTimeOffset.Parse(row.UpdateTime, System.Globalization.CultureInfo.InvariantCulture),
            Model = ModelNames.Model(row.Model),
            Alias = ModelNames.Alias(row.Model, row.Alias),
            ModelVersion = version,
            PreviousModelVersion = previous,
            Gated = row.Gated != 0,
            ChangedBy = row.UpdatedBy,
            Reason = row.Reason,
        }, ct);
}
