using System.Globalization;
using Continuum.Data.Content;
using Continuum.Data.V1;
using nietras.SeparatedValues;

namespace Continuum.Data.Formats;

/// <summary>
/// Decodes CSV uploads (RFC 4180, read by Sep): one table per split, comma-separated, a header row, quoted
/// fields that may hold commas, doubled quotes and line breaks, CRLF or LF, an optional UTF-8 byte-order mark.
/// The label column is chosen by name (an integer class index or a class name); the ignored columns are
/// dropped; every other column is an input value, in header order, parsed as float32 with the invariant culture.
/// Rows in errors are numbered from 1 after the header; the physical line is added where it differs.
/// </summary>
public static class CsvDecoder
{
    public static DatasetContent Decode(IReadOnlyList<UploadedFile> files, DecodeOptions options, CancellationToken ct)
    {
        options.Validate();
        if (options.Csv.LabelColumn is not { Length: > 0 })
        {
            throw new DataValidationException("csv.label_column", "is required for CSV: the name of the label column.");
        }

        var splits = FileSet.Group(DataFormat.Csv, files);

        var decoded = splits.Select(s => DecodeFile(s.Split, s.Table!, options, ct)).ToList();

        return DatasetDecoder.Assemble(options, decoded);
    }

    private static DecodedSplit DecodeFile(Split split, UploadedFile file, DecodeOptions options, CancellationToken ct)
    {
        using var reader = Open(file);
        var header = reader.Header.ColNames;
        var labelColumn = Columns(file, header, options, out var featureColumns);
        var builder = new SplitBuilder(file, options);
        var divisor = options.ValueDivisor;

        foreach (var row in reader)
        {
            if ((row.RowIndex & 1023) == 1)
            {
                ct.ThrowIfCancellationRequested();
            }

            if (row.ColCount != header.Count)
            {
                throw Invalid.File(file, row.Span.IsEmpty
                    ? $"{Where(row)} is blank; the header has {header.Count} columns."
                    : $"{Where(row)} has {row.ColCount} columns; the header has {header.Count}.");
            }

            var labelText = row[labelColumn].Span;
            if (!options.TryParseLabel(labelText, out var label))
            {
                throw Invalid.File(file, $"{Where(row)}, column \"{header[labelColumn]}\": {Invalid.Quote(labelText)} "
                    + "is not a class index or a class name of the schema.");
            }

            if (!options.IsClass(label))
            {
                throw Invalid.File(file, $"{Where(row)}: label {label} is outside {options.ClassRangeText}.");
            }

            var values = builder.NextRow();
            for (var i = 0; i < featureColumns.Length; i++)
            {
                var col = row[featureColumns[i]];
                // Float, not the default that also allows thousands separators: "1,5" must never read as 15.
                if (!float.TryParse(col.Span, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
                {
                    throw Invalid.File(file, $"{Where(row)}, column \"{header[featureColumns[i]]}\": "
                        + $"{Invalid.Quote(col.Span)} is not a number.");
                }

                values[i] = parsed / divisor;
                if (Invalid.NonFinite(parsed, values[i], divisor) is { } problem)
                {
                    throw Invalid.File(file, $"{Where(row)}, column \"{header[featureColumns[i]]}\": "
                        + $"{Invalid.Quote(col.Span)} {problem}.");
                }
            }

            builder.Commit(label);
        }

        return builder.Build(split);
    }

    private static SepReader Open(UploadedFile file)
    {
        var options = Sep.New(',').Reader(o => o with
        {
            Unescape = true,
            // Ragged rows are checked here, so that the error names the file, the row and the counts.
            DisableColCountCheck = true,
            CultureInfo = CultureInfo.InvariantCulture,
        });
        var stream = file.OpenRead();
        try
        {
            var reader = options.From(stream);
            if (reader.IsEmpty)
            {
                reader.Dispose();
                throw Invalid.File(file, "is empty; a CSV file starts with a header row.");
            }

            return reader;
        }
        catch (ArgumentException e)
        {
            // Sep refuses a header that names one column twice.
            stream.Dispose();
            throw Invalid.File(file, $"its header row (line 1) cannot be read: {e.Message}");
        }
    }

    /// <summary>The index of the label column; the feature columns come out in header order.</summary>
    private static int Columns(
        UploadedFile file, IReadOnlyList<string> header, DecodeOptions options, out int[] features)
    {
        var labelName = options.Csv.LabelColumn;
        var label = -1;
        for (var i = 0; i < header.Count && label < 0; i++)
        {
            label = header[i] == labelName ? i : -1;
        }

        if (label < 0)
        {
            var shown = string.Join(", ", header.Take(10).Select(h => $"\"{h}\"")) + (header.Count > 10 ? ", ..." : "");
            throw new DataValidationException("csv.label_column",
                $"{file.FileName} has no column \"{labelName}\" in its header row; its columns are {shown}.");
        }

        var ignored = options.Csv.IgnoreColumns.ToHashSet(StringComparer.Ordinal);
        features = Enumerable.Range(0, header.Count).Where(i => i != label && !ignored.Contains(header[i])).ToArray();
        if (features.Length != options.FeatureCount)
        {
            throw Invalid.File(file, $"its header row (line 1) has {features.Length} input columns besides the label "
                + $"and the ignored ones; the schema's input shape {options.ShapeText} needs {options.FeatureCount}.");
        }

        return label;
    }

    /// <summary>"row 3", or "row 3 (line 5)" when quoted line breaks moved the row off its line.</summary>
    private static string Where(SepReader.Row row) => row.LineNumberFrom == row.RowIndex + 1
        ? $"row {row.RowIndex}"
        : $"row {row.RowIndex} (line {row.LineNumberFrom})";
}
