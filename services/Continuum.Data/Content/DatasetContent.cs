using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Continuum.Data.V1;

namespace Continuum.Data.Content;

/// <summary>
/// The decoded examples of one split: labels, and features row-major, one row of FeatureCount per label.
/// </summary>
public sealed class SplitExamples
{
    public SplitExamples(Split split, long[] labels, float[] features)
    {
        if (split is not (Split.Train or Split.Test or Split.Validation))
        {
            throw new ArgumentOutOfRangeException(nameof(split), split, "A split is train, test or validation.");
        }

        if (labels.Length == 0 ? features.Length != 0 : features.Length % labels.Length != 0)
        {
            throw new ArgumentException("Features must hold the same number of values for every label.",
                nameof(features));
        }

        Split = split;
        Labels = labels;
        Features = features;
    }

    public Split Split { get; }

    public long[] Labels { get; }

    public float[] Features { get; }

    public int Count => Labels.Length;

    /// <summary>The features of example <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> Row(int index, int featureCount) => Features.AsSpan(index * featureCount, featureCount);
}

/// <summary>
/// A dataset version's content, decoded: the input shape and the examples of each split, in stored order.
/// Its identity is <see cref="ComputeSha256"/>, defined in protos/README.md ("Dataset content identity"), so
/// the same examples give the same version whatever the file format or compression they arrived in.
/// </summary>
public sealed class DatasetContent
{
    private static readonly Split[] CanonicalOrder = [Split.Train, Split.Test, Split.Validation];

    public DatasetContent(IReadOnlyList<int> inputShape, IEnumerable<SplitExamples> splits)
    {
        if (inputShape.Count == 0 || inputShape.Any(d => d <= 0))
        {
            throw new ArgumentException("Every input dimension must be positive.", nameof(inputShape));
        }

        InputShape = inputShape.ToArray();
        FeatureCount = InputShape.Aggregate(1, (a, b) => checked(a * b));
        var bySplit = splits.ToDictionary(s => s.Split);
        foreach (var s in bySplit.Values)
        {
            if (s.Features.Length != (long)s.Count * FeatureCount)
            {
                throw new ArgumentException($"The {s.Split} split does not hold {FeatureCount} values per example.",
                    nameof(splits));
            }
        }

        Splits = CanonicalOrder.Where(bySplit.ContainsKey).Select(s => bySplit[s]).ToList();
    }

    public IReadOnlyList<int> InputShape { get; }

    /// <summary>Values per example: the product of the input dimensions.</summary>
    public int FeatureCount { get; }

    /// <summary>The splits present, in the order train, test, validation.</summary>
    public IReadOnlyList<SplitExamples> Splits { get; }

    public SplitExamples? Get(Split split) => Splits.FirstOrDefault(s => s.Split == split);

    /// <summary>Lowercase hex SHA-256 over the canonical byte sequence of protos/README.md.</summary>
    public string ComputeSha256()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> scratch = stackalloc byte[12];
        BinaryPrimitives.WriteInt32LittleEndian(scratch, InputShape.Count);
        hash.AppendData(scratch[..4]);
        foreach (var dim in InputShape)
        {
            BinaryPrimitives.WriteInt32LittleEndian(scratch, dim);
            hash.AppendData(scratch[..4]);
        }

        var row = new byte[FeatureCount * sizeof(float)];
        foreach (var split in Splits)
        {
            BinaryPrimitives.WriteInt32LittleEndian(scratch, (int)split.Split);
            BinaryPrimitives.WriteInt64LittleEndian(scratch[4..], split.Count);
            hash.AppendData(scratch);
            for (var i = 0; i < split.Count; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(scratch, split.Labels[i]);
                hash.AppendData(scratch[..8]);
                hash.AppendData(AsLittleEndianBytes(split.Row(i, FeatureCount), row));
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Per-class example counts of a split, indexed by label.</summary>
    public static long[] ClassCounts(SplitExamples split, int classCount)
    {
        var counts = new long[classCount];
        foreach (var label in split.Labels)
        {
            counts[label]++;
        }

        return counts;
    }

    /// <summary>Writes values as float32 little-endian into <paramref name="destination"/> (4 bytes a value).</summary>
    public static void CopyLittleEndian(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(destination);
            return;
        }

        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], values[i]);
        }
    }

    internal static ReadOnlySpan<byte> AsLittleEndianBytes(ReadOnlySpan<float> values, byte[] buffer)
    {
        if (BitConverter.IsLittleEndian)
        {
            return MemoryMarshal.AsBytes(values);
        }

        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), values[i]);
        }

        return buffer.AsSpan(0, values.Length * 4);
    }
}
