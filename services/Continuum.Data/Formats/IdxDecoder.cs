using Continuum.Data.Content;
using Continuum.Data.V1;

namespace Continuum.Data.Formats;

/// <summary>
/// Decodes IDX uploads: per split an idx3 file of unsigned-byte images (magic 0x00000803: count, rows,
/// columns) and an idx1 file of unsigned-byte labels (magic 0x00000801: count), big-endian, each gzipped or not.
/// The images' rows and columns must equal the schema's input shape; each pixel becomes
/// <c>(float)pixel / ValueDivisor</c>.
/// </summary>
public static class IdxDecoder
{
    private const uint InputsMagic = 0x00000803;
    private const uint LabelsMagic = 0x00000801;
    private const int LabelsHeaderBytes = 8;

    public static DatasetContent Decode(IReadOnlyList<UploadedFile> files, DecodeOptions options, CancellationToken ct)
    {
        options.Validate();
        var splits = FileSet.Group(DataFormat.Idx, files);

        var decoded = splits.Select(s => DecodeSplit(s.Split, s.Inputs!, s.Labels!, options, ct)).ToList();

        return DatasetDecoder.Assemble(options, decoded);
    }

    private static DecodedSplit DecodeSplit(
        Split split, UploadedFile inputsFile, UploadedFile labelsFile, DecodeOptions options, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var inputs = IdxReader.Open(inputsFile);
        using var labelsIn = IdxReader.Open(labelsFile);
        var dims = inputs.ReadHeader(InputsMagic, "an IDX file of images (unsigned bytes, 3 dimensions)", 3);
        var (count, rows, columns) = (dims[0], dims[1], dims[2]);
        var shape = options.InputShape;
        if (shape.Length != 2 || rows != shape[0] || columns != shape[1])
        {
            throw Invalid.File(inputsFile,
                $"its images are {rows}x{columns} (byte offset 8); the schema's input shape is {options.ShapeText}.");
        }

        var labelCount = labelsIn.ReadHeader(LabelsMagic, "an IDX file of labels (unsigned bytes, 1 dimension)", 1)[0];
        if (labelCount != count)
        {
            throw Invalid.File(labelsFile,
                $"holds {labelCount} labels but {inputsFile.FileName} holds {count} images; the counts must be equal.");
        }

        var featureCount = options.FeatureCount;
        if ((long)count * featureCount > Array.MaxLength)
        {
            throw Invalid.File(inputsFile, $"promises {count} images, more values than one split can hold.");
        }

        var labels = ReadLabels(labelsIn, labelsFile, count, options, ct);
        var kept = labels.Count(l => options.Keeps(l));
        var pixels = inputs.ReadPayload(count, featureCount, $"{count} images of {rows}x{columns}", ct);

        var keptLabels = new long[kept];
        // Every value is written below, so the 188 MB of a full Fashion-MNIST train split need no zeroing.
        var features = GC.AllocateUninitializedArray<float>(kept * featureCount);
        var scale = new float[256];
        for (var b = 0; b < scale.Length; b++)
        {
            scale[b] = (float)b / options.ValueDivisor;
        }

        var example = 0;
        var row = 0;
        foreach (var chunk in pixels)
        {
            ct.ThrowIfCancellationRequested();
            for (var offset = 0; offset < chunk.Length; offset += featureCount, example++)
            {
                if (!options.Keeps(labels[example]))
                {
                    continue;
                }

                keptLabels[row] = labels[example];
                var source = chunk.AsSpan(offset, featureCount);
                var target = features.AsSpan(row++ * featureCount, featureCount);
                for (var i = 0; i < source.Length; i++)
                {
                    target[i] = scale[source[i]];
                }
            }
        }

        return new DecodedSplit(new SplitExamples(split, keptLabels, features), inputsFile, count);
    }

    private static byte[] ReadLabels(
        IdxReader reader, UploadedFile file, uint count, DecodeOptions options, CancellationToken ct)
    {
        var chunks = reader.ReadPayload(count, 1, $"{count} labels", ct);
        var labels = new byte[count];
        var at = 0;
        foreach (var chunk in chunks)
        {
            chunk.CopyTo(labels, at);
            at += chunk.Length;
        }

        for (var i = 0; i < labels.Length; i++)
        {
            if (!options.IsClass(labels[i]))
            {
                throw Invalid.File(file, $"label {labels[i]} of example {i + 1} (byte offset {LabelsHeaderBytes + i}) "
                    + $"is outside {options.ClassRangeText}.");
            }
        }

        return labels;
    }
}
