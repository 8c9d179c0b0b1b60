using System.Text.Json;
using Continuum.Data.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Continuum.Bench;

/// <summary>One file of a task's upload, produced when the upload reads it.</summary>
public sealed record TaskFile(string FileName, Split Split, FileRole Role, Func<Stream> Open);

/// <summary>One task: a dataset version upload (its files, and the classes the data service keeps from them).</summary>
public sealed record TaskUpload(string Description, DataFormat Format, IReadOnlyList<TaskFile> Files,
    IReadOnlyList<int> KeepClasses);

/// <summary>A continual-learning scenario: its dataset (28 x 28 inputs, 10 classes) and its tasks in order.</summary>
public sealed record ContinualScenario(string Name, string Kind, IReadOnlyList<TaskUpload> Tasks);

/// <summary>
/// The three scenarios of the table, built from real data, and their upload through the data service: each task
/// becomes one version of the scenario's dataset, with a train and a test split.
/// </summary>
public static class ContinualData
{
    public static readonly string[] ScenarioNames = ["split-mnist", "split-fashion", "permuted-mnist"];

    // The digits' train/test split and the pixel permutations are fixed, whatever the seed of a run.
    private const int SplitSeed = 2019;
    private const int PermutationSeed = 1904;
    private const double TrainShare = 0.8;
    private const int PermutedTasks = 5;

    public static async Task<ContinualScenario> BuildAsync(string name, CancellationToken ct)
    {
        switch (name)
        {
            case "split-mnist":
            {
                var (train, test) = await MnistDigits.LoadSplitAsync(TrainShare, SplitSeed, ct);
                return new(name, "class-incremental, 5 tasks of 2 digits, 10-way head", [.. Pairs().Select(p =>
                    Jsonl($"digits {p[0]}-{p[1]}", train.Where(d => p.Contains(d.Label)).ToList(),
                        test.Where(d => p.Contains(d.Label)).ToList(), permutation: null))]);
            }

            case "split-fashion":
                return new(name, "class-incremental, 5 tasks of 2 classes, 10-way head", [.. Pairs().Select(p =>
                    new TaskUpload($"classes {p[0]}-{p[1]}", DataFormat.Idx, FashionFiles(), p))]);
            case "permuted-mnist":
            {
                var (train, test) = await MnistDigits.LoadSplitAsync(TrainShare, SplitSeed, ct);
                var random = new Random(PermutationSeed);
                var tasks = new List<TaskUpload>();
                for (var t = 0; t < PermutedTasks; t++)
                {
                    var permutation = Enumerable.Range(0, 28 * 28).ToArray();
                    if (t > 0)
                    {
                        random.Shuffle(permutation);
                    }

                    tasks.Add(Jsonl(t == 0 ? "identity" : $"permutation {t}", train, test, permutation));
                }

                return new(name, $"domain-incremental, {PermutedTasks} pixel permutations (the first the "
                    + "identity) of all 10 digits", tasks);
            }

            default:
                throw new ArgumentException($"Unknown scenario {name}; known: {string.Join(", ", ScenarioNames)}.");
        }
    }

    /// <summary>Creates the scenario's dataset and uploads every task; returns the version names in order.</summary>
    public static async Task<List<string>> UploadAsync(
        DataService.DataServiceClient data, ContinualScenario scenario, CancellationToken ct)
    {
        try
        {
            await data.CreateDatasetAsync(new CreateDatasetRequest
            {
                DatasetId = scenario.Name,
                Dataset = new Dataset
                {
                    Description = scenario.Kind,
                    Schema = new DatasetSchema { InputShape = { 28, 28 }, ClassCount = 10 },
                },
            }, cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
        }

        var versions = new List<string>();
        foreach (var task in scenario.Tasks)
        {
            versions.Add(await UploadTaskAsync(data, $"datasets/{scenario.Name}", task, ct));
        }

        return versions;
    }

    private static async Task<string> UploadTaskAsync(
        DataService.DataServiceClient data, string parent, TaskUpload task, CancellationToken ct)
    {
        using var call = data.CreateDatasetVersion(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new CreateDatasetVersionRequest
        {
            Metadata = new DatasetVersionUpload
            {
                Parent = parent,
                Format = task.Format,
                Description = task.Description,
                KeepClasses = { task.KeepClasses },
                Files =
                {
                    task.Files.Select(f => new UploadFile { FileName = f.FileName, Split = f.Split, Role = f.Role }),
                },
            },
        }, ct);
        var buffer = new byte[1 << 20];
        for (var i = 0; i < task.Files.Count; i++)
        {
            await using var file = task.Files[i].Open();
            int read;
            while ((read = await file.ReadAsync(buffer, ct)) > 0)
            {
                await call.RequestStream.WriteAsync(new CreateDatasetVersionRequest
                {
                    Chunk = new FileChunk { FileIndex = i, Data = ByteString.CopyFrom(buffer, 0, read) },
                }, ct);
            }
        }

        await call.RequestStream.CompleteAsync();
        return (await call.ResponseAsync).DatasetVersion.Name;
    }

    private static IEnumerable<int[]> Pairs() => Enumerable.Range(0, 5).Select(t => new[] { 2 * t, 2 * t + 1 });

    private static List<TaskFile> FashionFiles() =>
    [
        Idx(DataServer.TrainImages, Split.Train, FileRole.IdxInputs),
        Idx(DataServer.TrainLabels, Split.Train, FileRole.IdxLabels),
        Idx(DataServer.TestImages, Split.Test, FileRole.IdxInputs),
        Idx(DataServer.TestLabels, Split.Test, FileRole.IdxLabels),
    ];

    private static TaskFile Idx(string path, Split split, FileRole role) =>
        new(Path.GetFileName(path), split, role, () => File.OpenRead(path));

    /// <summary>A JSON lines task, its pixels reordered by <paramref name="permutation"/> when one is given.</summary>
    private static TaskUpload Jsonl(string description, List<Digit> train, List<Digit> test, int[]? permutation) =>
        new(description, DataFormat.Jsonl,
        [
            new("train.jsonl", Split.Train, FileRole.Table, () => Lines(train, permutation)),
            new("test.jsonl", Split.Test, FileRole.Table, () => Lines(test, permutation)),
        ], []);

    /// <summary>
    /// <c>{"label": L, "features": [...]}</c> a line; pixel i of the output is pixel <c>permutation[i]</c> of the
    /// digit. Floats are written in their shortest exact form, so the values reach the service unchanged.
    /// </summary>
    private static MemoryStream Lines(List<Digit> digits, int[]? permutation)
    {
        var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            foreach (var digit in digits)
            {
                writer.WriteStartObject();
                writer.WriteNumber("label", digit.Label);
                writer.WriteStartArray("features");
                for (var i = 0; i < digit.Pixels.Length; i++)
                {
                    writer.WriteNumberValue(digit.Pixels[permutation is null ? i : permutation[i]]);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.Flush();
                writer.Reset(); // Each line is a JSON document of its own, with no separator before it.
                stream.WriteByte((byte)'\n');
            }
        }

        stream.Position = 0;
        return stream;
    }
}
