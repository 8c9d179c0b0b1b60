using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Continuum.Registry.V1;
using Continuum.Training.V1;
using TorchSharp;
using static TorchSharp.torch;

namespace Continuum.Bench;

/// <summary>
/// Training speed of a real job, created through the training service and run by its worker, against a bare
/// TorchSharp loop over the same model, data, batch size, shuffling and thread count in the same process, and
/// against PyTorch (Debian's python3-torch) running bench/pytorch_mlp.py on the same files.
/// </summary>
/// <remarks>
/// Ours is the job's own figure: samples per second inside the training loop, from its epoch metric points.
/// The job also evaluates on the test split and stores a checkpoint after every epoch; the wall-time row counts
/// that too, from the time between consecutive epoch points. Jobs and bare runs alternate, and each side's
/// median epoch is compared, so that the machine's noise falls on both sides alike.
/// </remarks>
public sealed class TrainingBenchmark : IBenchmark
{
    public const int Hidden = 256;
    public const int BatchSize = 64;
    public const double LearningRate = 0.001;
    private const int Epochs = 3;
    private const int Rounds = 2;
    private const int PyTorchEpochs = 1;
    private const long Seed = 7;

    public string Name => "training";

    public string Description =>
        $"MLP 784-{Hidden}-10, Adam, batch {BatchSize}, Fashion-MNIST train (60,000): job vs bare TorchSharp, PyTorch";

    /// <summary>
    /// Intra-op threads of every side: TRAINING_BENCH_THREADS, else one per core (the worker's default).
    /// </summary>
    public static int Threads =>
        int.TryParse(Environment.GetEnvironmentVariable("TRAINING_BENCH_THREADS"), out var n) && n > 0
            ? n
            : Environment.ProcessorCount;

    public static TrainingSpec Spec(string datasetVersion, int epochs) => new()
    {
        TrainingDatasetVersions = { datasetVersion },
        EvaluationDatasetVersions = { datasetVersion },
        Architecture = new Architecture { Mlp = new MlpArchitecture { HiddenSizes = { Hidden } } },
        Optimizer = new Optimizer { Kind = OptimizerKind.Adam, LearningRate = LearningRate },
        BatchSize = BatchSize,
        Epochs = epochs,
        Seed = Seed,
        Device = Continuum.Training.V1.Device.Cpu,
    };

    public async Task<IReadOnlyList<BenchResult>> RunAsync(CancellationToken cancellationToken)
    {
        var threads = Threads;
        await using var server = await TrainingServer.StartAsync(threads);
        var version = await server.UploadFashionAsync(cancellationToken);
        using var data = LoadFashionTrain();

        set_num_threads(threads);
        BareEpochs(data, epochs: 1); // Warms up libtorch's thread pool and allocator before anything is timed.
        var oursLoop = new List<double>();
        var oursWall = new List<double>();
        var bare = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            var job = await server.RunJobAsync(Spec(version, Epochs), null, cancellationToken);
            var epochs = job.MetricHistory.Where(p => p.Scope == MetricScope.Epoch).OrderBy(p => p.Epoch).ToList();
            oursLoop.AddRange(epochs.Select(p => p.SamplesPerSecond));
            oursWall.AddRange(epochs.Zip(epochs.Skip(1),
                (a, b) => data.Count / (b.Time.ToDateTime() - a.Time.ToDateTime()).TotalSeconds));
            // The worker set the thread count for its job; the bare loop runs under the same setting.
            set_num_threads(threads);
            bare.AddRange(BareEpochs(data, Epochs));
            Console.Error.WriteLine($"  round {round + 1}: job loop {Show(epochs.Select(p => p.SamplesPerSecond))}, "
                + $"job wall {Show(oursWall.TakeLast(Epochs - 1))}, bare {Show(bare.TakeLast(Epochs))} samples/s");
        }

        var ours = Median(oursLoop);
        var bench = $"training ({threads} thr)";
        var results = new List<BenchResult>
        {
            new(bench, "job loop vs bare TorchSharp", ours, Median(bare), "samples/s", Aim: 0.95),
            new(bench, "job wall (eval, checkpoint) vs bare", Median(oursWall), Median(bare), "samples/s", null),
        };
        if (await PyTorchEpochsAsync(threads, cancellationToken) is { } pytorch)
        {
            results.Add(new(bench, "job loop vs PyTorch 1.13", ours, Median(pytorch), "samples/s", null));
        }

        return results;
    }

    /// <summary>Fashion-MNIST's train split as tensors: pixels / 255 as the data service scales them.</summary>
    public static Examples LoadFashionTrain()
    {
        var pixels = Gunzip(DataServer.TrainImages).AsSpan(16);
        var classes = Gunzip(DataServer.TrainLabels).AsSpan(8);
        var features = new float[pixels.Length];
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = pixels[i] / 255f;
        }

        var labels = new long[classes.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = classes[i];
        }

        return new Examples(tensor(features, [labels.Length, 28 * 28]), tensor(labels));
    }

    /// <summary>
    /// The loop one would write by hand with TorchSharp: the same layers, a fresh shuffle of the whole set per
    /// epoch, then contiguous slices of it as batches, with each batch's tensors disposed after its step.
    /// Returns each epoch's samples per second.
    /// </summary>
    public static List<double> BareEpochs(Examples data, int epochs)
    {
        random.manual_seed(Seed);
        using var model = nn.Sequential(
            ("fc0", nn.Linear(28 * 28, Hidden)), ("relu0", nn.ReLU()), ("out", nn.Linear(Hidden, 10)));
        using var optimizer = optim.Adam(model.parameters(), LearningRate);
        model.train();
        var rates = new List<double>();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                var order = randperm(data.Count);
                var features = data.Features.index_select(0, order);
                var labels = data.Labels.index_select(0, order);
                for (long first = 0; first < data.Count; first += BatchSize)
                {
                    using var batch = NewDisposeScope();
                    var length = Math.Min(BatchSize, data.Count - first);
                    var loss = nn.functional.cross_entropy(
                        model.forward(features.narrow(0, first, length)), labels.narrow(0, first, length));
                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                }
            }

            rates.Add(data.Count / clock.Elapsed.TotalSeconds);
        }

        return rates;
    }

    /// <summary>Each epoch's samples per second of bench/pytorch_mlp.py, or null when PyTorch is missing.</summary>
    private static async Task<List<double>?> PyTorchEpochsAsync(int threads, CancellationToken ct)
    {
        const string python = "/usr/bin/python3";
        var script = Path.Combine(AppContext.BaseDirectory, "pytorch_mlp.py");
        if (!File.Exists(python))
        {
            Console.Error.WriteLine("  PyTorch row skipped: no /usr/bin/python3 (apt-get install python3-torch).");
            return null;
        }

        var start = new ProcessStartInfo(python)
        {
            ArgumentList =
            {
                script, "--threads", $"{threads}", "--epochs", $"{PyTorchEpochs}", "--batch", $"{BatchSize}",
                "--hidden", $"{Hidden}", "--lr", $"{LearningRate}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"  PyTorch row skipped: pytorch_mlp.py exited {process.ExitCode} "
                + $"(is python3-torch installed? apt-get install python3-torch): {(await errors).Trim()}");
            return null;
        }

        using var json = JsonDocument.Parse(await output);
        var rates = json.RootElement.GetProperty("samples_per_second").EnumerateArray().Select(e => e.GetDouble())
            .ToList();
        Console.Error.WriteLine($"  PyTorch {json.RootElement.GetProperty("torch").GetString()}, "
            + $"{json.RootElement.GetProperty("threads").GetInt32()} threads: {Show(rates)} samples/s");
        return rates;
    }

    private static byte[] Gunzip(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var copy = new MemoryStream();
        gzip.CopyTo(copy);
        return copy.ToArray();
    }

    private static string Show(IEnumerable<double> values) => string.Join(" ", values.Select(v => $"{v:N0}"));

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1
            ? sorted[sorted.Count / 2]
            : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Features [N, 784] and labels [N] in memory, for the bare loop.</summary>
    public sealed class Examples(Tensor features, Tensor labels) : IDisposable
    {
        public Tensor Features { get; } = features;

        public Tensor Labels { get; } = labels;

        public long Count => Labels.shape[0];

        public void Dispose()
        {
            Features.Dispose();
            Labels.Dispose();
        }
    }
}
