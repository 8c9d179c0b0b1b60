using System.Diagnostics;

namespace Continuum.Bench;

/// <summary>
/// Uploading the Fashion-MNIST training files as shipped (gzipped IDX) through gRPC on loopback, validated,
/// decoded, hashed and stored, against what a shell does with the same files: <c>sha256sum</c> then <c>cp</c>.
/// </summary>
public sealed class DataUploadBenchmark : IBenchmark
{
    public string Name => "data-upload";

    public string Description => "Fashion-MNIST train files uploaded through gRPC vs sha256sum + cp of the same files";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(CancellationToken cancellationToken)
    {
        string[] files = [DataServer.TrainImages, DataServer.TrainLabels];
        await using var server = await DataServer.StartAsync();
        await server.CreateFashionDatasetAsync(cancellationToken);
        var copies = Directory.CreateTempSubdirectory("continuum-bench-cp").FullName;
        var megabytes = files.Sum(f => new FileInfo(f).Length) / (1024.0 * 1024.0);

        try
        {
            var (ours, baseline) = await Measure.PairedMedianSecondsAsync(
                () => server.UploadFashionTrainAsync(cancellationToken),
                () => ShellAsync($"sha256sum {string.Join(' ', files)} > /dev/null "
                    + $"&& cp {string.Join(' ', files)} {copies}/"),
                rounds: 5,
                // Each upload must store everything again, as a first upload does.
                reset: () => server.ResetFashionDatasetAsync(cancellationToken));
            return [new BenchResult(Name, "upload throughput", megabytes / ours, megabytes / baseline, "MiB/s",
                Aim: 0.5)];
        }
        finally
        {
            Directory.Delete(copies, recursive: true);
        }
    }

    private static async Task ShellAsync(string command)
    {
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", command]) { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{command}' exited with {process.ExitCode}.");
        }
    }
}
