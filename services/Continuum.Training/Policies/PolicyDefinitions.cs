using Continuum.Contracts;
using Continuum.Data.V1;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Continuum.Training.Jobs;
using Continuum.Training.V1;
using Grpc.Core;

namespace Continuum.Training.Policies;

/// <summary>
/// What CreatePolicy checks and sets up, and how stored policies map back to the API. The gate lives in the
/// registry, which evaluates it; a policy only writes it there when it is created.
/// </summary>
public sealed class PolicyDefinitions(PeerChannels peers)
{
    public const int RecentRuns = 20;

    private RegistryService.RegistryServiceClient Registry => new(peers.For(ServiceCatalog.Registry.Name));

    /// <summary>The policy to store: its references checked, the dataset's schema fitting the template.</summary>
    public async Task<Policy> ValidateAsync(CreatePolicyRequest request, CancellationToken ct)
    {
        var id = ResourceIds.Require(request.PolicyId, "policy_id");
        var policy = request.Policy?.Clone() ?? throw RpcErrors.InvalidArgument(("policy", "is required."));
        ResourceNames.ParseId(policy.Dataset, "datasets", "dataset", "policy.dataset");
        ResourceNames.ParseId(policy.Model, "models", "model", "policy.model");
        var template = policy.TrainingTemplate
            ?? throw RpcErrors.InvalidArgument(("policy.training_template", "is required."));
        var filled = new List<(string, string)>();
        if (template.TrainingDatasetVersions.Count > 0)
        {
            filled.Add(("policy.training_template.training_dataset_versions", "must be empty: each arrival fills it."));
        }

        if (template.EvaluationDatasetVersions.Count > 0)
        {
            filled.Add(("policy.training_template.evaluation_dataset_versions",
                "must be empty: every arrival so far is evaluated."));
        }

        if (template.BaseModelVersion.Length > 0)
        {
            filled.Add(("policy.training_template.base_model_version", "must be empty: the champion is the base."));
        }

        if (template.RegisterModel.Length > 0)
        {
            filled.Add(("policy.training_template.register_model", "must be empty: policy.model is registered."));
        }

        if (template.FrozenLayers.Count > 0)
        {
            filled.Add(("policy.training_template.frozen_layers",
                "must be empty: the first arrival trains from scratch, with nothing loaded to keep fixed."));
        }

        if (filled.Count > 0)
        {
            throw RpcErrors.InvalidArgument([.. filled]);
        }

        if (policy.Compression is not null)
        {
            // TODO: run the compression step once the compression service serves jobs; refused until then.
            throw new RpcException(new Status(StatusCode.Unimplemented,
                "policy.compression: compression jobs are not served yet; create the policy without it."));
        }

        var data = new DataService.DataServiceClient(peers.For(ServiceCatalog.Data.Name));
        var dataset = (await data.GetDatasetAsync(new GetDatasetRequest { Name = policy.Dataset },
            cancellationToken: ct)).Dataset;
        SpecValidator.CheckTemplate(template, dataset.Schema, "policy.training_template");

        policy.Name = $"policies/{id}";
        policy.RecentRuns.Clear();
        policy.CreatedBy = "";
        return policy;
    }

    /// <summary>Creates the model when missing and writes the policy's gate, when it has one, to the registry.</summary>
    public async Task ApplyGateAsync(Policy policy, CancellationToken ct)
    {
        try
        {
            await Registry.CreateRegisteredModelAsync(new CreateRegisteredModelRequest
            {
                ModelId = policy.Model["models/".Length..],
                RegisteredModel = new RegisteredModel { Description = $"Kept learning by {policy.Name}." },
            }, cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
        }

        if (policy.PromotionGate is not { } gate)
        {
            return;
        }

        var named = gate.Clone();
        named.Name = $"{policy.Model}/promotionGate";
        try
        {
            await Registry.SetPromotionGateAsync(new SetPromotionGateRequest { PromotionGate = named },
                cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            throw RpcErrors.InvalidArgument(("policy.promotion_gate", e.Status.Detail));
        }
    }

    public static Policy ToProto(PolicyRow row, IEnumerable<RunRow> runs)
    {
        var policy = JobMapper.Parse<Policy>(row.PolicyJson);
        policy.PromotionGate = null;
        policy.CreateTime = JobMapper.ToTimestamp(row.CreateTime);
        policy.RecentRuns.Add(runs.Select(r => JobMapper.Parse<PolicyRun>(r.RunJson)));
        return policy;
    }
}
