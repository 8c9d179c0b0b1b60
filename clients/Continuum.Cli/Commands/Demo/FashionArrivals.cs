using System.Buffers.Binary;
using System.IO.Compression;

namespace Continuum.Cli.Commands.Demo;

/// <summary>One arrival of new data: IDX files held in memory, uploaded as one dataset version.</summary>
public sealed record Arrival(int Number, string Title, IReadOnlyList<int> Classes, IdxSet Train, IdxSet Test);

/// <summary>Images and labels of one split, in memory.</summary>
public sealed record IdxSet(byte[] Pixels, byte[] Labels, int Rows, int Columns)
{
    public int Count => Labels.Length;

    public byte[] ImagesFile()
    {
        var file = new byte[16 + Pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(file, ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), Count);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(8), Rows);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(12), Columns);
        Pixels.CopyTo(file, 16);
        return file;
    }

    public byte[] LabelsFile()
    {
        var file = new byte[8 + Labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(file, LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4), Count);
        Labels.CopyTo(file, 8);
        return file;
    }

    /// <summary>The examples at <paramref name="indices"/>, with every image's pixels reordered by
    /// <paramref name="permutation"/> when one is given.</summary>
    public IdxSet Take(IReadOnlyList<int> indices, int[]? permutation = null)
    {
        var size = Rows * Columns;
        var pixels = new byte[indices.Count * size];
        var labels = new byte[indices.Count];
        for (var n = 0; n < indices.Count; n++)
        {
            var source = Pixels.AsSpan(indices[n] * size, size);
            var target = pixels.AsSpan(n * size, size);
            if (permutation is null)
            {
                source.CopyTo(target);
            }
            else
            {
                for (var p = 0; p < size; p++)
                {
                    target[p] = source[permutation[p]];
                }
            }

            labels[n] = Labels[indices[n]];
        }

        return this with { Pixels = pixels, Labels = labels };
    }

    internal const int ImagesMagic = 0x00000803;
    internal const int LabelsMagic = 0x00000801;
}

/// <summary>
/// Fashion-MNIST as the demo's stream of new data: five arrivals. Class-incremental: two new classes each
/// (T-shirt and trouser first, then pullover and dress...). Domain-incremental: a fifth of every class each, its
/// pixels shuffled by a fixed permutation of its own (the first arrival unshuffled), the Permuted MNIST recipe.
/// </summary>
public static class FashionArrivals
{
    public const int Count = 5;
    public const string ClassIncremental = "class-incremental";
    public const string DomainIncremental = "domain-incremental";

    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static readonly string[] FileNames =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz"];

    /// <summary>The first of the four files missing from <paramref name="directory"/>, or null.</summary>
    public static string? Missing(DirectoryInfo directory) =>
        FileNames.Select(f => Path.Combine(directory.FullName, f)).FirstOrDefault(p => !File.Exists(p));

    /// <param name="fraction">Share of each arrival's examples to keep, in (0, 1]; the quick demo uses less.</param>
    public static IReadOnlyList<Arrival> Load(DirectoryInfo directory, string scenario, double fraction)
    {
        var train = Read(Path.Combine(directory.FullName, FileNames[0]), Path.Combine(directory.FullName, FileNames[1]));
        var test = Read(Path.Combine(directory.FullName, FileNames[2]), Path.Combine(directory.FullName, FileNames[3]));
        return scenario == DomainIncremental
            ? DomainArrivals(train, test, fraction)
            : ClassArrivals(train, test, fraction);
    }

    private static List<Arrival> ClassArrivals(IdxSet train, IdxSet test, double fraction)
    {
        var arrivals = new List<Arrival>();
        for (var k = 0; k < Count; k++)
        {
            int[] classes = [2 * k, 2 * k + 1];
            IReadOnlyList<int> Pick(IdxSet set) => classes
                .SelectMany(c => Keep(Enumerable.Range(0, set.Count).Where(i => set.Labels[i] == c).ToList(),
                    fraction))
                .Order().ToList();
            arrivals.Add(new Arrival(k + 1, $"{ClassNames[classes[0]]} and {ClassNames[classes[1]]}", classes,
                train.Take(Pick(train)), test.Take(Pick(test))));
        }

        return arrivals;
    }

    private static List<Arrival> DomainArrivals(IdxSet train, IdxSet test, double fraction)
    {
        var arrivals = new List<Arrival>();
        var size = train.Rows * train.Columns;
        for (var k = 0; k < Count; k++)
        {
            var permutation = Enumerable.Range(0, size).ToArray();
            if (k > 0)
            {
                // System.Random with a seed gives the same sequence on every .NET version and machine.
                new Random(1000 + k).Shuffle(permutation);
            }

            IReadOnlyList<int> Pick(IdxSet set) =>
                Keep(Enumerable.Range(0, set.Count).Where(i => i % Count == k).ToList(), fraction);
            arrivals.Add(new Arrival(k + 1, k == 0 ? "original pixels" : $"pixels shuffled by permutation {k}",
                Enumerable.Range(0, 10).ToList(), train.Take(Pick(train), permutation), test.Take(Pick(test),
                    permutation)));
        }

        return arrivals;
    }

    private static List<int> Keep(List<int> indices, double fraction) =>
        indices.Take(Math.Max(1, (int)Math.Round(indices.Count * fraction))).ToList();

    /// <summary>Reads a pair of IDX files (gzipped), checking their magic numbers and that they agree.</summary>
    private static IdxSet Read(string imagesPath, string labelsPath)
    {
        var images = Gunzip(imagesPath);
        var labels = Gunzip(labelsPath);
        if (images.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(images) != IdxSet.ImagesMagic
            || labels.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(labels) != IdxSet.LabelsMagic)
        {
            throw new InvalidDataException($"{imagesPath} and {labelsPath} are not IDX image and label files.");
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(4));
        var rows = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(8));
        var columns = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(12));
        if (rows != 28 || columns != 28 || BinaryPrimitives.ReadInt32BigEndian(labels.AsSpan(4)) != count
            || images.Length != 16 + (long)count * rows * columns || labels.Length != 8 + count)
        {
            throw new InvalidDataException(
                $"{imagesPath} and {labelsPath} do not hold the same number of 28x28 Fashion-MNIST examples.");
        }

        return new IdxSet(images[16..], labels[8..], rows, columns);
    }

    private static byte[] Gunzip(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }
}
