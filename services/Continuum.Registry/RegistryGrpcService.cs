using System.Security.Cryptography;
using System.Text;
using Continuum.Registry.Artifacts;
using Continuum.ServiceDefaults.Persistence;
using Continuum.Registry.Storage;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Blobs;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Hosting;

namespace Continuum.Registry;

/// <summary>
/// The registry service's gRPC endpoint: registered models here; versions, aliases, lineage, promotion gates and
/// the watch stream in the partial files beside it. Each method validates, acts, and maps.
/// </summary>
public sealed partial class RegistryGrpcService(
    ModelRepository repository, ModelVersionStore versions, IBlobStore blobs, ChangeSignal changes,
    IHostApplicationLifetime lifetime)
    : RegistryService.RegistryServiceBase
{
    private static readonly string[] MutablePaths = ["description", "tags"];

    public override async Task<CreateRegisteredModelResponse> CreateRegisteredModel(
        CreateRegisteredModelRequest request, ServerCallContext context)
    {
        var id = ResourceIds.Require(request.ModelId, "model_id");
        var model = request.RegisteredModel ?? new RegisteredModel();
        ModelValidation.Description(model.Description, "registered_model.description");
        var tags = ModelValidation.Tags(model.Tags, "registered_model.tags");

        if (!await repository.InsertModelAsync(id, model.Description, tags, ModelMapper.Now(),
            context.CancellationToken))
        {
            RpcErrors.ThrowAlreadyExists("model", ModelNames.Model(id));
        }

        return new CreateRegisteredModelResponse
        {
            RegisteredModel = await ReadModelAsync(id, context.CancellationToken),
        };
    }

    public override async Task<GetRegisteredModelResponse> GetRegisteredModel(
        GetRegisteredModelRequest request, ServerCallContext context)
    {
        var id = ModelNames.ParseModel(request.Name, "name");

        return new GetRegisteredModelResponse { RegisteredModel = await ReadModelAsync(id, context.CancellationToken) };
    }

    public override async Task<ListRegisteredModelsResponse> ListRegisteredModels(
        ListRegisteredModelsRequest request, ServerCallContext context)
    {
        var size = Paging.Size(request.PageSize);
        var filter = ModelValidation.Tags(request.TagFilter, "tag_filter");
        var after = AfterForFilter(request.PageToken, filter);

        var rows = await repository.ListModelsAsync(after, filter, size + 1, context.CancellationToken);
        var page = rows.Take(size).ToList();
        var aliases = (await repository.ListAliasesAsync(page.Select(r => r.Id).ToList(), context.CancellationToken))
            .ToLookup(a => a.Model);

        var response = new ListRegisteredModelsResponse
        {
            RegisteredModels = { page.Select(r => ModelMapper.ToProto(r, aliases[r.Id])) },
        };
        if (rows.Count > size)
        {
            response.NextPageToken = Paging.Token($"{FilterKey(filter)}/{page[^1].Id}");
        }

        return response;
    }

    public override async Task<UpdateRegisteredModelResponse> UpdateRegisteredModel(
        UpdateRegisteredModelRequest request, ServerCallContext context)
    {
        var patch = request.RegisteredModel ?? new RegisteredModel();
        var id = ModelNames.ParseModel(patch.Name, "registered_model.name");
        var paths = request.UpdateMask?.Paths.ToList() ?? [];
        if (paths.Count == 0)
        {
            RpcErrors.ThrowInvalidArgument("update_mask", "name the fields to change: description, tags.");
        }

        foreach (var path in paths.Where(p => !MutablePaths.Contains(p)))
        {
            RpcErrors.ThrowInvalidArgument("update_mask",
                $"'{path}' cannot be changed; only description and tags can.");
        }

        var row = await RequireModelAsync(id, context.CancellationToken);
        var description = paths.Contains("description") ? patch.Description : row.Description;
        ModelValidation.Description(description, "registered_model.description");
        var tags = paths.Contains("tags")
            ? ModelValidation.Tags(patch.Tags, "registered_model.tags")
            : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(row.TagsJson)!;

        if (!await repository.UpdateModelAsync(id, description, tags, ModelMapper.Now(), context.CancellationToken))
        {
            RpcErrors.ThrowNotFound("model", ModelNames.Model(id));
        }

        return new UpdateRegisteredModelResponse
        {
            RegisteredModel = await ReadModelAsync(id, context.CancellationToken),
        };
    }

    public override async Task<Empty> DeleteRegisteredModel(
        DeleteRegisteredModelRequest request, ServerCallContext context)
    {
        var id = ModelNames.ParseModel(request.Name, "name");
        var row = await RequireModelAsync(id, context.CancellationToken);
        if (row.VersionCount > 0 && !request.Force)
        {
            RpcErrors.ThrowFailedPrecondition(Domain, "MODEL_HAS_VERSIONS",
                $"Model '{ModelNames.Model(id)}' has {row.VersionCount} version(s); set force to delete them too.");
        }

        var orphans = await repository.DeleteModelAsync(id, context.CancellationToken);
        foreach (var blob in orphans)
        {
            // Not cancellable: the rows are gone, so the files must go too.
            await blobs.DeleteAsync(blob, CancellationToken.None);
        }

        return new Empty();
    }

    private static string Domain => RegistryService.Descriptor.FullName;

    private async Task<ModelRow> RequireModelAsync(string id, CancellationToken ct)
    {
        var row = await repository.GetModelAsync(id, ct);
        if (row is null)
        {
            RpcErrors.ThrowNotFound("model", ModelNames.Model(id));
        }

        return row;
    }

    private async Task<RegisteredModel> ReadModelAsync(string id, CancellationToken ct)
    {
        var row = await RequireModelAsync(id, ct);
        return ModelMapper.ToProto(row, await repository.ListAliasesAsync([id], ct));
    }

    /// <summary>A token carries a digest of its filter, so it is refused with any other filter.</summary>
    private static string? AfterForFilter(string token, IReadOnlyDictionary<string, string> filter)
    {
        if (Paging.After(token) is not { } key)
        {
            return null;
        }

        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || key[..slash] != FilterKey(filter))
        {
            RpcErrors.ThrowInvalidArgument("page_token", "was returned for another tag_filter.");
        }

        return key[(slash + 1)..];
    }

    private static string FilterKey(IReadOnlyDictionary<string, string> filter)
    {
        var text = string.Join('\n', filter.OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => $"{f.Key}={f.Value}"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
    }
}
