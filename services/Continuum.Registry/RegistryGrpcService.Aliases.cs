using Continuum.Registry.Storage;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using ModelAliasChanged = Continuum.Events.V1.ModelAliasChanged;

namespace Continuum.Registry;

public sealed partial class RegistryGrpcService
{
    public override async Task<SetModelAliasResponse> SetModelAlias(
        SetModelAliasRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var alias = ModelNames.ParseAlias(request.Name, "name");
        var wanted = ModelNames.ParseVersion(request.ModelVersion, "model_version");
        if (wanted.Model != alias.Model)
        {
            RpcErrors.ThrowInvalidArgument("model_version",
                $"belongs to {ModelNames.Model(wanted.Model)}, not to {ModelNames.Model(alias.Model)}.");
        }

        ValidateReason(request.Reason);

        var version = await RequireVersionAsync(wanted, ct);
        var row = new AliasRow
        {
            Model = alias.Model, Alias = alias.Alias, Version = version.Version, UpdateTime = ModelMapper.Now(),
            UpdatedBy = "", Reason = request.Reason, Gated = 0,
        };
        var target = ModelNames.Version(alias.Model, version.Version);
        if (await repository.SetAliasAsync(row, previous => AliasChanged(row, target, previous), ct)
            is not { } previous)
        {
            // Deleted between the check and the move.
            RpcErrors.ThrowNotFound("model version", ModelNames.Version(alias.Model, version.Version));
            return null;
        }

        var previousName = previous > 0 ? ModelNames.Version(alias.Model, previous) : "";
        return new SetModelAliasResponse { Alias = ModelMapper.ToProto(row), PreviousModelVersion = previousName };
    }

    public override async Task<Empty> DeleteModelAlias(DeleteModelAliasRequest request, ServerCallContext context)
    {
        var alias = ModelNames.ParseAlias(request.Name, "name");

        var row = new AliasRow { Model = alias.Model, Alias = alias.Alias, UpdateTime = ModelMapper.Now() };
        if (await repository.DeleteAliasAsync(alias.Model, alias.Alias, row.UpdateTime,
                previous => AliasChanged(row, "", previous), context.CancellationToken) is null)
        {
            RpcErrors.ThrowNotFound("alias", request.Name);
        }

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

        var reference = new ModelVersionRef(alias.Model, row.Version);
        if (await repository.GetVersionWithAliasesAsync(alias.Model, row.Version, ct) is not { } version)
        {
            throw await VersionNotFoundAsync(reference, ct);
        }

        return new ResolveModelAliasResponse
        {
            Alias = ModelMapper.ToProto(row),
            ModelVersion = ModelMapper.ToProto(version.Row, version.Aliases),
        };
    }

    private static void ValidateReason(string reason)
    {
        if (reason.Length > 1000 || reason.Any(char.IsControl))
        {
            RpcErrors.ThrowInvalidArgument("reason", "is at most 1000 characters without control characters.");
        }
    }

    /// <summary>The journaled change of an alias move; <paramref name="previous"/> is 0 for a new alias.</summary>
    private static ModelAliasChanged AliasChanged(AliasRow row, string version, long previous) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        OccurredAt = Timestamp.FromDateTimeOffset(
            DateTimeOffset.Parse(row.UpdateTime, System.Globalization.CultureInfo.InvariantCulture)),
        Model = ModelNames.Model(row.Model),
        Alias = ModelNames.Alias(row.Model, row.Alias),
        ModelVersion = version,
        PreviousModelVersion = previous > 0 ? ModelNames.Version(row.Model, previous) : "",
        Gated = row.Gated != 0,
        ChangedBy = row.UpdatedBy,
        Reason = row.Reason,
    };
}
