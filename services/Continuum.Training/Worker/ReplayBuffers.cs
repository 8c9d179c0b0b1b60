using Continuum.Contracts;
using Continuum.Data.V1;
using Continuum.Ml.Continual;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Continuum.Training.V1;
using Grpc.Core;

namespace Continuum.Training.Worker;

/// <summary>
/// Builds the replay buffer of a job as derived dataset versions in the data service, so the registered model
/// names exactly the examples it replayed. The buffer of a job that fine-tunes version B holds what B saw: B's
/// own buffer plus B's training data, cut down to the buffer size; a B without a buffer contributes the training
/// data of its whole ancestry. Derived versions are content-addressed and seeded, so a resumed job rebuilds the
/// same buffer and stores nothing new.
/// </summary>
public sealed class ReplayBuffers(PeerChannels peers)
{
    private DataService.DataServiceClient Data => new(peers.For(ServiceCatalog.Data.Name));

    /// <param name="ancestry">The base version first, then its parent, and so on.</param>
    /// <returns>The buffer version, or null when there is nothing earlier to replay (no base version).</returns>
    public async Task<DatasetVersion?> BuildAsync(
        TrainingSpec spec, IReadOnlyList<ModelVersion> ancestry, DatasetSchema schema, CancellationToken ct)
    {
        if (ancestry.Count == 0)
        {
            return null;
        }

        var replay = spec.Strategy.Replay;
        var parent = await EnsureDatasetAsync(BufferDataset(spec), schema, ct);
        var baseVersion = ancestry[0];
        var oldBuffer = baseVersion.Lineage?.ReplayDatasetVersion ?? "";
        var candidates = (oldBuffer.Length > 0
                ? TrainingOf(baseVersion)
                : ancestry.Reverse().SelectMany(TrainingOf))
            .Distinct().ToList();
        if (candidates.Count == 0 && oldBuffer.Length == 0)
        {
            return null;
        }

        var seed = unchecked(spec.Seed * 7_919 + 17);
        if (replay.Selection == ReplaySelection.Reservoir)
        {
            return await ReservoirAsync(parent, replay.BufferSize, oldBuffer, candidates,
                oldBuffer.Length == 0 ? 0 : await CountAsync(ancestry.Skip(1).SelectMany(TrainingOf).Distinct(), ct),
                seed, ct);
        }

        var pool = await UnionAsync(parent, oldBuffer.Length > 0 ? [oldBuffer, .. candidates] : candidates, ct);
        return await SampleAsync(parent, pool!, replay.BufferSize, uniform: false, seed, ct);
    }

    /// <summary>
    /// An exact reservoir over everything seen: the number of new examples kept is drawn as a reservoir would
    /// keep them, and the rest comes uniformly from the old buffer, itself a uniform sample of what came before.
    /// </summary>
    private async Task<DatasetVersion?> ReservoirAsync(
        string parent, int capacity, string oldBuffer, List<string> candidates, long seenBefore, long seed,
        CancellationToken ct)
    {
        var fresh = await UnionAsync(parent, candidates, ct);
        var newCount = fresh is null ? 0 : TrainCount(await GetAsync(fresh, ct));
        var fromNew = ReplayPlan.NewExamplesInReservoir(seenBefore, newCount, capacity, seed);
        var parts = new List<string>();
        if (fromNew > 0)
        {
            parts.Add((await SampleAsync(parent, fresh!, fromNew, uniform: true, seed, ct)).Name);
        }

        if (oldBuffer.Length > 0 && capacity - fromNew > 0)
        {
            parts.Add((await SampleAsync(parent, oldBuffer, capacity - fromNew, uniform: true, seed + 1, ct)).Name);
        }

        return await UnionAsync(parent, parts, ct) is { } buffer ? await GetAsync(buffer, ct) : null;
    }

    private static IEnumerable<string> TrainingOf(ModelVersion version) =>
        version.Lineage?.TrainingDatasetVersions ?? [];

    private static string BufferDataset(TrainingSpec spec)
    {
        if (spec.Strategy.Replay.BufferDataset is { Length: > 0 } named)
        {
            return named;
        }

        var first = spec.TrainingDatasetVersions[0];
        return $"{first[..first.IndexOf("/versions/", StringComparison.Ordinal)]}-replay";
    }

    private async Task<string> EnsureDatasetAsync(string name, DatasetSchema schema, CancellationToken ct)
    {
        try
        {
            await Data.CreateDatasetAsync(new CreateDatasetRequest
            {
                DatasetId = name["datasets/".Length..],
                Dataset = new Dataset
                {
                    Description = "Replay buffers of training jobs: the examples each model version replayed.",
                    Schema = schema,
                },
            }, cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
        }

        return name;
    }

    /// <summary>One version holding every source's examples; the source itself when there is only one.</summary>
    private async Task<string?> UnionAsync(string parent, IReadOnlyList<string> sources, CancellationToken ct)
    {
        if (sources.Count <= 1)
        {
            return sources.Count == 0 ? null : sources[0];
        }

        var response = await Data.CreateDerivedDatasetVersionAsync(new CreateDerivedDatasetVersionRequest
        {
            Parent = parent,
            UnionOf = new UnionDerivation { SourceVersions = { sources } },
            Description = "Candidates of a replay buffer.",
        }, cancellationToken: ct);
        return response.DatasetVersion.Name;
    }

    private async Task<DatasetVersion> SampleAsync(
        string parent, string source, int total, bool uniform, long seed, CancellationToken ct) =>
        (await Data.CreateDerivedDatasetVersionAsync(new CreateDerivedDatasetVersionRequest
        {
            Parent = parent,
            Sample = new SampleDerivation { SourceVersion = source, TotalExamples = total, Seed = seed, Uniform = uniform },
            Description = uniform ? "Replay buffer (reservoir)." : "Replay buffer (class balanced).",
        }, cancellationToken: ct)).DatasetVersion;

    private async Task<DatasetVersion> GetAsync(string name, CancellationToken ct) =>
        (await Data.GetDatasetVersionAsync(new GetDatasetVersionRequest { Name = name }, cancellationToken: ct))
        .DatasetVersion;

    private async Task<long> CountAsync(IEnumerable<string> versions, CancellationToken ct)
    {
        long count = 0;
        foreach (var name in versions)
        {
            count += TrainCount(await GetAsync(name, ct));
        }

        return count;
    }

    private static long TrainCount(DatasetVersion version) =>
        version.Splits.Where(s => s.Split == Split.Train).Sum(s => s.ExampleCount);
}
