using Continuum.Data.Content;
using Continuum.Data.V1;

namespace Continuum.Data.Formats;

/// <summary>Builds the validation errors of the decoders, so that each names its field the same way.</summary>
internal static class Invalid
{
    /// <summary>A problem in one file: field <c>files[i]</c>, and the description starts with the file name.</summary>
    public static DataValidationException File(UploadedFile file, string problem) =>
        new($"files[{file.Index}]", $"{file.FileName}: {problem}");

    /// <summary>A problem with the set of files as a whole.</summary>
    public static DataValidationException Files(string problem) => new("files", problem);

    public static string Name(Split split) => split switch
    {
        Split.Train => "train",
        Split.Test => "test",
        Split.Validation => "validation",
        _ => split.ToString(),
    };

    public static string Name(DataFormat format) => format switch
    {
        DataFormat.Idx => "IDX",
        DataFormat.Csv => "CSV",
        DataFormat.Jsonl => "JSON lines",
        _ => "unspecified",
    };

    public static string Name(FileRole role) => role switch
    {
        FileRole.IdxInputs => "IDX inputs",
        FileRole.IdxLabels => "IDX labels",
        FileRole.Table => "table",
        _ => "unspecified",
    };

    /// <summary>A value as found, in quotes, cut short and with line breaks shown, for a description.</summary>
    public static string Quote(ReadOnlySpan<char> text)
    {
        var shown = text.Length > 40 ? $"{text[..40]}..." : text.ToString();
        return $"\"{shown.Replace("\r", "\\r").Replace("\n", "\\n")}\"";
    }

    /// <summary>Why a parsed (and divided) value cannot be stored, or null when it can.</summary>
    public static string? NonFinite(float parsed, float divided, float divisor) =>
        float.IsNaN(parsed) ? "is NaN; values must be finite"
        : float.IsInfinity(parsed) ? "is infinity (or too large for float32); values must be finite"
        : float.IsFinite(divided) ? null
        : $"becomes infinity when divided by {divisor}; values must be finite";
}
