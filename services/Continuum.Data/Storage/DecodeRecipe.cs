using System.Text.Json;
using Continuum.Data.Formats;
using Continuum.Data.V1;

namespace Continuum.Data.Storage;

/// <summary>One raw file of an upload, by its blob address.</summary>
public sealed record RecipeFile(string FileName, Split Split, FileRole Role, string Sha256);

/// <summary>
/// Everything needed to decode an upload's raw files again into the same content: the files and every option
/// that shaped the decoding, including the schema as it was then (class names can change later).
/// </summary>
public sealed record DecodeRecipe(
    DataFormat Format,
    IReadOnlyList<RecipeFile> Files,
    int[] InputShape,
    int ClassCount,
    IReadOnlyList<string> ClassNames,
    IReadOnlyList<int> KeepClasses,
    float ValueDivisor,
    string CsvLabelColumn,
    IReadOnlyList<string> CsvIgnoreColumns,
    string JsonlFeaturesField,
    string JsonlLabelField)
{
    public static DecodeRecipe From(DataFormat format, DecodeOptions options, IEnumerable<RecipeFile> files) => new(
        format, files.ToList(), options.InputShape, options.ClassCount, options.ClassNames,
        options.KeepClasses.Order().ToList(),
        options.ValueDivisor, options.Csv.LabelColumn, options.Csv.IgnoreColumns.ToList(),
        options.Jsonl.FeaturesField, options.Jsonl.LabelField);

    public DecodeOptions ToOptions() => new()
    {
        InputShape = InputShape,
        ClassCount = ClassCount,
        ClassNames = ClassNames,
        KeepClasses = KeepClasses.ToHashSet(),
        ValueDivisor = ValueDivisor,
        Csv = new CsvOptions { LabelColumn = CsvLabelColumn, IgnoreColumns = { CsvIgnoreColumns } },
        Jsonl = new JsonlOptions { FeaturesField = JsonlFeaturesField, LabelField = JsonlLabelField },
    };

    public string ToJson() => JsonSerializer.Serialize(this);

    public static DecodeRecipe FromJson(string json) =>
        JsonSerializer.Deserialize<DecodeRecipe>(json) ?? throw new InvalidDataException("An empty decode recipe.");
}
