using System.Reflection;
using Continuum.Data.Analysis;
using Continuum.Data.Content;
using Continuum.Data.Storage;
using Continuum.Data.V1;
using Continuum.Events;
using Continuum.ServiceDefaults.Blobs;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Continuum.Data.Ingest;

/// <summary>
/// Turns decoded content into a version: stores its blobs, then the row that makes it visible, then tells the
/// bus. Content that the dataset already holds returns the existing version and stores nothing new.
/// </summary>
public sealed partial class VersionStore(
    DatasetRepository repository, IBlobStore blobs, ContentCache cache, IPublishEndpoint publish,
    ILogger<VersionStore> logger)
{
    /// <summary>The drift threshold the comparison with the previous version uses.</summary>
    public const double DefaultDriftThreshold = 0.2;

    /// <param name="template">The version's descriptive fields (format, sources, derivation, description).</param>
    /// <param name="upload">
    /// For an upload: its raw files by local path, and the recipe that decodes them into <paramref name="content"/>.
    /// Only those are kept; a derived version (null) keeps its decoded content instead.
    /// </param>
    public async Task<(DatasetVersion Version, bool AlreadyExisted)> StoreAsync(
        DatasetRow dataset, DatasetContent content, DatasetVersion template,
        (IReadOnlyList<string> Paths, DecodeRecipe Recipe)? upload, CancellationToken ct)
    {
        var contentSha = content.ComputeSha256();
        if (await repository.FindByContentAsync(dataset.Id, contentSha, ct) is { } existing)
        {
            return (VersionMapper.ToProto(existing), true);
        }

        var written = new List<string>();
        try
        {
            string? contentBlob = null;
            if (upload is { } raw)
            {
                foreach (var (path, file) in raw.Paths.Zip(raw.Recipe.Files))
                {
                    await using var stream = File.OpenRead(path);
                    written.Add((await blobs.PutAsync(stream, file.Sha256, cancellationToken: ct)).Sha256);
                }
            }
            else
            {
                contentBlob = await PutContentAsync(content, ct);
                written.Add(contentBlob);
            }

            var previous = await repository.GetVersionAsync(dataset.Id, null, ct);
            var comparison = previous is null ? null : await CompareAsync(dataset, previous, content, ct);
            var now = DateTimeOffset.UtcNow;
            var inserted = await repository.InsertVersionAsync(
                dataset.Id, dataset.CreateTime, contentSha, contentBlob, upload?.Recipe.ToJson(),
                number => JsonFormatter.Default.Format(
                    Complete(template, dataset, content, contentSha, number, now, comparison)),
                written, now.ToString("O"), ct);
            if (inserted is not var (row, created))
            {
                throw new RpcException(new Status(StatusCode.Aborted,
                    $"{DatasetNames.Dataset(dataset.Id)} was deleted or created anew while the version was being "
                    + "stored; nothing was stored. Upload again if the dataset is still wanted."));
            }

            if (!created)
            {
                await DeleteUnreferencedAsync(written);
                return (VersionMapper.ToProto(row), true);
            }

            cache.Add(contentSha, content);
            var version = VersionMapper.ToProto(row);
            LogCreated(version.Name, version.ContentSha256);
            await publish.Publish(ToEvent(version), ct);
            return (version, false);
        }
        catch
        {
            // Nothing half-written: blobs this attempt stored that no version refers to go again.
            // TODO: a concurrent upload of the same raw bytes that has stored but not yet committed could lose a
            // blob here; reference-counted blob claims would close that window.
            await DeleteUnreferencedAsync(written);
            throw;
        }
    }

    private async Task<string> PutContentAsync(DatasetContent content, CancellationToken ct) =>
        (await blobs.PutAsync((stream, token) => DatasetContentFile.WriteAsync(content, stream, token), ct)).Sha256;

    private async Task<DatasetVersionComparison> CompareAsync(
        DatasetRow dataset, VersionRow previous, DatasetContent content, CancellationToken ct)
    {
        var before = await cache.GetAsync(previous, ct);
        var comparison = VersionComparer.Compare(before, content, Split.Train, dataset.ClassCount,
            DefaultDriftThreshold);
        comparison.BaseVersion = DatasetNames.Version(dataset.Id, previous.Version);
        return comparison;
    }

    private static DatasetVersion Complete(
        DatasetVersion template, DatasetRow dataset, DatasetContent content, string contentSha, long number,
        DateTimeOffset now, DatasetVersionComparison? comparison)
    {
        var version = template.Clone();
        version.Name = DatasetNames.Version(dataset.Id, number);
        version.VersionNumber = number;
        version.ContentSha256 = contentSha;
        version.CreateTime = Timestamp.FromDateTimeOffset(now);
        version.Splits.Clear();
        version.Splits.AddRange(content.Splits.Select(s => new SplitSummary
        {
            Split = s.Split,
            ExampleCount = s.Count,
            ClassCounts = { DatasetContent.ClassCounts(s, dataset.ClassCount) },
        }));
        version.PresentClasses.Clear();
        var train = content.Get(Split.Train);
        if (train is not null)
        {
            version.PresentClasses.AddRange(DatasetContent.ClassCounts(train, dataset.ClassCount)
                .Select((count, label) => (count, label)).Where(c => c.count > 0).Select(c => c.label));
        }

        if (comparison is not null)
        {
            comparison.TargetVersion = version.Name;
            version.PreviousVersionComparison = comparison;
        }

        return version;
    }

    private async Task DeleteUnreferencedAsync(IReadOnlyCollection<string> written)
    {
        foreach (var orphan in await repository.UnreferencedAsync(written, CancellationToken.None))
        {
            await blobs.DeleteAsync(orphan, CancellationToken.None);
        }
    }

    private static DatasetVersionCreated ToEvent(DatasetVersion version)
    {
        var c = version.PreviousVersionComparison;
        return new DatasetVersionCreated
        {
            EventId = Guid.NewGuid().ToString(),
            OccurredAt = version.CreateTime.ToDateTimeOffset(),
            Dataset = version.Name[..version.Name.IndexOf("/versions/", StringComparison.Ordinal)],
            DatasetVersion = version.Name,
            VersionNumber = version.VersionNumber,
            ContentSha256 = version.ContentSha256,
            TrainExampleCount = version.Splits.Where(s => s.Split == Split.Train).Sum(s => s.ExampleCount),
            TestExampleCount = version.Splits.Where(s => s.Split == Split.Test).Sum(s => s.ExampleCount),
            PresentClasses = version.PresentClasses.ToList(),
            Derived = version.Derivation is not null,
            CreatedBy = version.CreatedBy,
            Comparison = c is null ? null : new VersionComparison
            {
                PreviousVersion = c.BaseVersion,
                Scenario = ScenarioName(c.Scenario),
                ClassesAdded = c.ClassesAdded.ToList(),
                ClassesRemoved = c.ClassesRemoved.ToList(),
                LabelShift = c.LabelShift,
                PopulationStabilityIndex = c.PopulationStabilityIndex,
                DriftDetected = c.DriftDetected,
            },
        };
    }

    /// <summary>The proto value name (SCENARIO_CLASS_INCREMENTAL), which is what events carry.</summary>
    private static string ScenarioName(Scenario scenario) =>
        typeof(Scenario).GetField(scenario.ToString())!.GetCustomAttribute<OriginalNameAttribute>()!.Name;

    [LoggerMessage(EventId = 300, Level = LogLevel.Information,
        Message = "Created dataset version {Version} ({ContentSha256})")]
    private partial void LogCreated(string version, string contentSha256);
}
