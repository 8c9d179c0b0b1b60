using Continuum.Data.Content;
using Continuum.Data.V1;

namespace Continuum.Data.Formats;

/// <summary>
/// What the decoders need from the dataset's schema and the upload's metadata. The caller fills
/// <see cref="ValueDivisor"/> with the format's default when the upload leaves it unset
/// (<see cref="DefaultValueDivisor"/>); the decoders check it and <see cref="KeepClasses"/>.
/// </summary>
public sealed record DecodeOptions
{
    /// <summary>The schema's input shape, e.g. [28, 28]; every example holds its product of values.</summary>
    public required int[] InputShape { get; init; }

    /// <summary>The schema's class count K: labels are 0 to K-1.</summary>
    public required int ClassCount { get; init; }

    /// <summary>The schema's class names, indexed by label; a CSV or JSON lines label may be one of them.</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>Labels to keep; empty keeps every example.</summary>
    public IReadOnlySet<int> KeepClasses { get; init; } = new HashSet<int>();

    /// <summary>Each input value is divided by this in float32 arithmetic. Positive and finite.</summary>
    public required float ValueDivisor { get; init; }

    /// <summary>CSV options as uploaded; <c>label_column</c> is required for CSV.</summary>
    public CsvOptions Csv { get; init; } = new();

    /// <summary>JSON lines options as uploaded; empty fields mean "features" and "label".</summary>
    public JsonlOptions Jsonl { get; init; } = new();

    /// <summary>The divisor an upload gets when it sets none: 255 for IDX (pixels into [0, 1]), else 1.</summary>
    public static float DefaultValueDivisor(DataFormat format) => format == DataFormat.Idx ? 255f : 1f;

    internal int FeatureCount => InputShape.Aggregate(1, (a, b) => checked(a * b));

    internal string ShapeText => $"[{string.Join(", ", InputShape)}]";

    internal string ClassRangeText => $"the classes 0 to {ClassCount - 1}";

    internal string JsonlFeaturesField => Jsonl.FeaturesField is { Length: > 0 } f ? f : "features";

    internal string JsonlLabelField => Jsonl.LabelField is { Length: > 0 } f ? f : "label";

    internal bool IsClass(long label) => label >= 0 && label < ClassCount;

    internal bool Keeps(long label) => KeepClasses.Count == 0 || KeepClasses.Contains((int)label);

    /// <summary>Checks the options that come from the upload rather than the (already valid) schema.</summary>
    internal void Validate()
    {
        if (InputShape.Length == 0 || InputShape.Any(d => d <= 0) || ClassCount <= 0)
        {
            // The schema was checked when the dataset was created; this is a caller's mistake, not the upload's.
            throw new ArgumentException(
                "The schema needs a non-empty positive input shape and a positive class count.");
        }

        if (!float.IsFinite(ValueDivisor) || ValueDivisor <= 0)
        {
            throw new DataValidationException("value_divisor", $"is {ValueDivisor}; it must be positive and finite.");
        }

        foreach (var keep in KeepClasses.Order())
        {
            if (!IsClass(keep))
            {
                throw new DataValidationException("keep_classes", $"has {keep}, outside {ClassRangeText}.");
            }
        }
    }

    /// <summary>
    /// The class index a CSV or JSON lines label names: an integer, or one of <see cref="ClassNames"/>.
    /// </summary>
    internal bool TryParseLabel(ReadOnlySpan<char> text, out long label)
    {
        if (long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign,
                System.Globalization.CultureInfo.InvariantCulture, out label))
        {
            return true;
        }

        for (var i = 0; i < ClassNames.Count; i++)
        {
            if (text.SequenceEqual(ClassNames[i]))
            {
                label = i;
                return true;
            }
        }

        return false;
    }
}
