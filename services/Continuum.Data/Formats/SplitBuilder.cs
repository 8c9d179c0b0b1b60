using Continuum.Data.Content;
using Continuum.Data.V1;

namespace Continuum.Data.Formats;

/// <summary>
/// Collects the rows of a table file, whose length is known only at its end. Rows go into fixed blocks so
/// that growing never copies what is already there; <see cref="Build"/> copies once into exact arrays.
/// </summary>
internal sealed class SplitBuilder(UploadedFile file, DecodeOptions options)
{
    private const int BlockValues = 1 << 20;

    private readonly int featureCount = options.FeatureCount;
    private readonly List<float[]> blocks = [];
    private readonly List<long> labels = [];
    private int rowsInLastBlock;

    /// <summary>Rows decoded, kept or not.</summary>
    public long Decoded { get; private set; }

    private int RowsPerBlock => Math.Max(1, BlockValues / featureCount);

    /// <summary>
    /// Where the next row's features go; the same place again until <see cref="Commit"/> keeps a row.
    /// </summary>
    public Span<float> NextRow()
    {
        if (blocks.Count == 0 || rowsInLastBlock == RowsPerBlock)
        {
            blocks.Add(new float[RowsPerBlock * featureCount]);
            rowsInLastBlock = 0;
        }

        return blocks[^1].AsSpan(rowsInLastBlock * featureCount, featureCount);
    }

    /// <summary>Ends the row written into <see cref="NextRow"/>; it stays when its label is a kept class.</summary>
    public void Commit(long label)
    {
        Decoded++;
        if (!options.Keeps(label))
        {
            return;
        }

        if ((long)(labels.Count + 1) * featureCount > Array.MaxLength)
        {
            throw Invalid.File(file, $"holds more than {Array.MaxLength} values, more than one split can hold.");
        }

        labels.Add(label);
        rowsInLastBlock++;
    }

    public DecodedSplit Build(Split split)
    {
        var features = GC.AllocateUninitializedArray<float>(labels.Count * featureCount);
        var copied = 0;
        foreach (var block in blocks)
        {
            var n = Math.Min(block.Length, features.Length - copied);
            block.AsSpan(0, n).CopyTo(features.AsSpan(copied));
            copied += n;
        }

        return new DecodedSplit(new SplitExamples(split, labels.ToArray(), features), file, Decoded);
    }
}

/// <summary>
/// One decoded split, the file that names it in errors, and how many examples it had before filtering.
/// </summary>
internal sealed record DecodedSplit(SplitExamples Examples, UploadedFile File, long Decoded);
