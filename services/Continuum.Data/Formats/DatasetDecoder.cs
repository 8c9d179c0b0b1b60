using Continuum.Data.Content;
using Continuum.Data.V1;

namespace Continuum.Data.Formats;

/// <summary>
/// Decodes and validates the files of an upload into a version's content. Nothing is stored here: the caller
/// stores only what is returned, and every problem is a <see cref="DataValidationException"/> naming the field.
/// </summary>
public static class DatasetDecoder
{
    /// <summary>Decodes <paramref name="files"/> as <paramref name="format"/>; the files must fit the format.</summary>
    public static DatasetContent Decode(
        DataFormat format, IReadOnlyList<UploadedFile> files, DecodeOptions options, CancellationToken ct) =>
        format switch
        {
            DataFormat.Idx => IdxDecoder.Decode(files, options, ct),
            DataFormat.Csv => CsvDecoder.Decode(files, options, ct),
            DataFormat.Jsonl => JsonlDecoder.Decode(files, options, ct),
            _ => throw new DataValidationException("format", "must be IDX, CSV or JSON lines."),
        };

    /// <summary>The content of the decoded splits, once the train split is known to have examples left.</summary>
    internal static DatasetContent Assemble(DecodeOptions options, IReadOnlyList<DecodedSplit> splits)
    {
        var train = splits.Single(s => s.Examples.Split == Split.Train);
        if (train.Decoded == 0)
        {
            throw Invalid.File(train.File, "holds no examples; the train split needs at least one.");
        }

        if (train.Examples.Count == 0)
        {
            throw new DataValidationException("keep_classes",
                $"no training example has one of the kept classes ({string.Join(", ", options.KeepClasses.Order())}).");
        }

        return new DatasetContent(options.InputShape, splits.Select(s => s.Examples));
    }
}
