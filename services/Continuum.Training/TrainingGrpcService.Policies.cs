using Continuum.ServiceDefaults.Grpc;
using Continuum.Training.Jobs;
using Continuum.Training.Policies;
using Continuum.Training.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Continuum.Training;

public sealed partial class TrainingGrpcService
{
    public override async Task<CreatePolicyResponse> CreatePolicy(CreatePolicyRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var policy = await definitions.ValidateAsync(request, ct);
        var id = request.PolicyId;
        if (await policies.GetAsync(id, ct) is not null)
        {
            RpcErrors.ThrowAlreadyExists("policy", policy.Name);
        }

        await definitions.ApplyGateAsync(policy, ct);
        var row = new PolicyRow
        {
            Id = id, Dataset = policy.Dataset, PolicyJson = JobMapper.Json(policy), CreateTime = JobMapper.Now(),
        };
        if (!await policies.InsertAsync(row, ct))
        {
            RpcErrors.ThrowAlreadyExists("policy", policy.Name);
        }

        return new CreatePolicyResponse { Policy = PolicyDefinitions.ToProto(row, []) };
    }

    public override async Task<GetPolicyResponse> GetPolicy(GetPolicyRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var row = await RequirePolicyAsync(request.Name, ct);
        var runs = await policies.RunsAsync(row.Id, newestFirst: true, PolicyDefinitions.RecentRuns, ct);
        return new GetPolicyResponse { Policy = PolicyDefinitions.ToProto(row, runs) };
    }

    public override async Task<ListPoliciesResponse> ListPolicies(ListPoliciesRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var size = Paging.Size(request.PageSize);
        var after = Paging.After(request.PageToken);

        var rows = await policies.ListAsync(after, size + 1, ct);
        var response = new ListPoliciesResponse();
        foreach (var row in rows.Take(size))
        {
            var runs = await policies.RunsAsync(row.Id, newestFirst: true, PolicyDefinitions.RecentRuns, ct);
            response.Policies.Add(PolicyDefinitions.ToProto(row, runs));
        }

        if (rows.Count > size)
        {
            response.NextPageToken = Paging.Token(rows[size - 1].Id);
        }

        return response;
    }

    public override async Task<Empty> DeletePolicy(DeletePolicyRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var row = await RequirePolicyAsync(request.Name, ct);

        if (!await policies.DeleteAsync(row.Id, ct))
        {
            RpcErrors.ThrowNotFound("policy", request.Name);
        }

        return new Empty();
    }

    private async Task<PolicyRow> RequirePolicyAsync(string name, CancellationToken ct)
    {
        var id = ResourceNames.ParseId(name, "policies", "policy", "name");
        return await policies.GetAsync(id, ct) ?? throw RpcErrors.NotFound("policy", $"policies/{id}");
    }
}
