using System.Text;
using System.Text.Json;
using Continuum.Data.Content;
using Continuum.Data.V1;

namespace Continuum.Data.Formats;

/// <summary>
/// Decodes JSON lines uploads: one table per split, one JSON object per line (LF or CRLF). The features field
/// (default "features") is one flat array of numbers, as many as the product of the input shape, in row-major
/// order; nested arrays are refused rather than flattened, so that a shape mistake cannot pass unnoticed. The
/// label field (default "label") is an integer class index or a class name. Other fields are ignored. Blank
/// or malformed lines are errors naming the 1-based line; a newline at the end of the file is fine.
/// </summary>
public static class JsonlDecoder
{
    public static DatasetContent Decode(IReadOnlyList<UploadedFile> files, DecodeOptions options, CancellationToken ct)
    {
        options.Validate();
        var splits = FileSet.Group(DataFormat.Jsonl, files);

        var decoded = splits.Select(s => DecodeFile(s.Split, s.Table!, options, ct)).ToList();

        return DatasetDecoder.Assemble(options, decoded);
    }

    private static DecodedSplit DecodeFile(Split split, UploadedFile file, DecodeOptions options, CancellationToken ct)
    {
        var line = new JsonlLine(file, options);
        var builder = new SplitBuilder(file, options);
        using var lines = new LineReader(file.OpenRead());

        while (lines.TryReadLine(out var text))
        {
            if ((lines.LineNumber & 1023) == 1)
            {
                ct.ThrowIfCancellationRequested();
            }

            var label = line.Decode(text, lines.LineNumber, builder.NextRow());
            builder.Commit(label);
        }

        return builder.Build(split);
    }
}

/// <summary>Reads the label and the features of one line into the row the builder hands out.</summary>
internal sealed class JsonlLine(UploadedFile file, DecodeOptions options)
{
    private readonly string featuresName = options.JsonlFeaturesField;
    private readonly string labelName = options.JsonlLabelField;
    private readonly byte[] featuresUtf8 = Encoding.UTF8.GetBytes(options.JsonlFeaturesField);
    private readonly byte[] labelUtf8 = Encoding.UTF8.GetBytes(options.JsonlLabelField);

    public long Decode(ReadOnlySpan<byte> text, int number, Span<float> values)
    {
        if (text.Trim(" \t"u8).IsEmpty)
        {
            throw Invalid.File(file, $"line {number} is blank; every line holds one JSON object.");
        }

        var reader = new Utf8JsonReader(text, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            return Decode(ref reader, number, values);
        }
        catch (JsonException e)
        {
            var message = e.Message.Split(" LineNumber:")[0];
            throw Invalid.File(file,
                $"line {number} is not valid JSON (at byte {e.BytePositionInLine + 1} of the line): {message}");
        }
    }

    private long Decode(ref Utf8JsonReader reader, int number, Span<float> values)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw Invalid.File(file, $"line {number} is not a JSON object.");
        }

        long? label = null;
        var haveFeatures = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isFeatures = reader.ValueTextEquals(featuresUtf8);
            var isLabel = !isFeatures && reader.ValueTextEquals(labelUtf8);
            if ((isFeatures && haveFeatures) || (isLabel && label is not null))
            {
                var name = isFeatures ? featuresName : labelName;
                throw Invalid.File(file, $"line {number} has the field \"{name}\" twice.");
            }

            reader.Read();
            if (isFeatures)
            {
                ReadFeatures(ref reader, number, values);
                haveFeatures = true;
            }
            else if (isLabel)
            {
                label = ReadLabel(ref reader, number);
            }
            else
            {
                reader.Skip();
            }
        }

        // The object is closed; Read throws if anything but whitespace follows it on the line.
        reader.Read();
        return !haveFeatures ? throw Invalid.File(file, $"line {number} has no \"{featuresName}\" field.")
            : label ?? throw Invalid.File(file, $"line {number} has no \"{labelName}\" field.");
    }

    private void ReadFeatures(ref Utf8JsonReader reader, int number, Span<float> values)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Invalid.File(file,
                $"line {number}: \"{featuresName}\" is {Describe(ref reader)}; expected an array of numbers.");
        }

        var count = 0;
        var divisor = options.ValueDivisor;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number)
            {
                throw Invalid.File(file,
                    $"{At(number, count)} is {Describe(ref reader)}; expected a number (one flat array).");
            }

            if (count == values.Length)
            {
                throw Invalid.File(file, $"line {number}: \"{featuresName}\" has more than {values.Length} values; "
                    + $"the schema's input shape {options.ShapeText} needs {values.Length}.");
            }

            if (!reader.TryGetSingle(out var parsed))
            {
                throw Invalid.File(file, $"{At(number, count)} = {Describe(ref reader)} is not a float32.");
            }

            values[count] = parsed / divisor;
            if (Invalid.NonFinite(parsed, values[count], divisor) is { } problem)
            {
                throw Invalid.File(file, $"{At(number, count)} = {Describe(ref reader)} {problem}.");
            }

            count++;
        }

        if (count != values.Length)
        {
            throw Invalid.File(file, $"line {number}: \"{featuresName}\" has {count} values; "
                + $"the schema's input shape {options.ShapeText} needs {values.Length}.");
        }
    }

    private long ReadLabel(ref Utf8JsonReader reader, int number)
    {
        var ok = reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetInt64(out var index) ? index : (long?)null,
            JsonTokenType.String => options.TryParseLabel(reader.GetString(), out var named) ? named : null,
            _ => null,
        };
        if (ok is not { } label)
        {
            throw Invalid.File(file, $"line {number}: \"{labelName}\" is {Describe(ref reader)}; "
                + "expected a class index or a class name of the schema.");
        }

        return options.IsClass(label) ? label
            : throw Invalid.File(file, $"line {number}: label {label} is outside {options.ClassRangeText}.");
    }

    private string At(int number, int index) => $"line {number}: {featuresName}[{index}]";

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String or JsonTokenType.Number => Invalid.Quote(Encoding.UTF8.GetString(reader.ValueSpan)),
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.Null => "null",
        _ => reader.TokenType.ToString().ToLowerInvariant(),
    };
}
