using Continuum.Registry.Storage;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Grpc.Core;

namespace Continuum.Registry;

public sealed partial class RegistryGrpcService
{
    public override async Task<GetLineageResponse> GetLineage(GetLineageRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var reference = ModelNames.ParseVersion(request.Name, "name");
        if (request.MaxDepth < 0)
        {
            RpcErrors.ThrowInvalidArgument("max_depth", $"must be 0 (no limit) or more, got {request.MaxDepth}.");
        }

        var row = await RequireVersionAsync(reference, ct);
        var limit = request.MaxDepth > 0 ? request.MaxDepth : int.MaxValue;

        return new GetLineageResponse
        {
            Ancestors = { await AncestorsAsync(row, limit, ct) },
            Descendants = { await DescendantsAsync(row, limit, ct) },
        };
    }

    /// <summary>
    /// The version's own references at depth 1, then its parent's at depth 2, and so on up the chain. The walk
    /// stops at a parent that was deleted (its edge is still listed: the version did come from it) and at a
    /// version seen before, which the parent check at upload rules out but a loop must never follow.
    /// </summary>
    private async Task<List<LineageEdge>> AncestorsAsync(ModelVersionRow start, int limit, CancellationToken ct)
    {
        var edges = new List<LineageEdge>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var current = start;
        for (var depth = 1; current is not null && depth <= limit; depth++)
        {
            var name = ModelNames.Version(current.Model, current.Version);
            if (!seen.Add(name))
            {
                break;
            }

            var lineage = ModelMapper.ToProto(current, []).Lineage ?? new ModelVersionLineage();
            edges.AddRange(DirectEdges(name, lineage, depth));
            current = lineage.ParentModelVersion.Length > 0
                ? await ParentAsync(lineage.ParentModelVersion, ct)
                : null;
        }

        return edges;
    }

    /// <summary>Breadth first, so nearer versions come first; a version is listed once even if reached twice.</summary>
    private async Task<List<LineageEdge>> DescendantsAsync(ModelVersionRow start, int limit, CancellationToken ct)
    {
        var edges = new List<LineageEdge>();
        var seen = new HashSet<(string, long)> { (start.Model, start.Version) };
        var level = new List<(string Model, long Version)> { (start.Model, start.Version) };
        for (var depth = 1; level.Count > 0 && depth <= limit; depth++)
        {
            var next = new List<(string Model, long Version)>();
            foreach (var (model, version) in level)
            {
                foreach (var child in await repository.ListChildrenAsync(model, version, ct))
                {
                    if (!seen.Add((child.Model, child.Version)))
                    {
                        continue;
                    }

                    edges.Add(Edge(ModelNames.Version(model, version), ModelNames.Version(child.Model, child.Version),
                        LineageRelation.ParentVersion, depth));
                    next.Add((child.Model, child.Version));
                }
            }

            level = next;
        }

        return edges;
    }

    /// <summary>The parent's row, or null when it (or its model) no longer exists.</summary>
    private Task<ModelVersionRow?> ParentAsync(string name, CancellationToken ct)
    {
        // Parents are parsed the same way when the version is uploaded, so a stored one always parses.
        var parent = ModelNames.ParseVersion(name, "lineage.parent_model_version", allowLatest: false);
        return repository.GetVersionAsync(parent.Model, parent.Number, ct);
    }

    /// <summary>A version's direct references, in the order of the lineage message's fields.</summary>
    private static IEnumerable<LineageEdge> DirectEdges(string version, ModelVersionLineage lineage, int depth)
    {
        IEnumerable<(string Name, LineageRelation Relation)> references = lineage.TrainingDatasetVersions
            .Select(d => (d, LineageRelation.TrainedOn))
            .Concat(lineage.EvaluationDatasetVersions.Select(d => (d, LineageRelation.EvaluatedOn)))
            .Append((lineage.ReplayDatasetVersion, LineageRelation.Replayed))
            .Append((lineage.ParentModelVersion, LineageRelation.ParentVersion))
            .Append((lineage.TrainingJob, LineageRelation.TrainingJob))
            .Append((lineage.Study, LineageRelation.Study))
            .Append((lineage.Trial, LineageRelation.Trial))
            .Append((lineage.CompressionJob, LineageRelation.CompressionJob))
            .Append((lineage.Policy, LineageRelation.Policy));
        return references.Where(r => r.Name.Length > 0).Select(r => Edge(r.Name, version, r.Relation, depth));
    }

    private static LineageEdge Edge(string upstream, string downstream, LineageRelation relation, int depth) => new()
    {
        Upstream = upstream, Downstream = downstream, Relation = relation, Depth = depth,
    };
}
