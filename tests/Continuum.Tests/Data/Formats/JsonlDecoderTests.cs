using Continuum.Data.Content;
using Continuum.Data.Formats;
using Continuum.Data.V1;

namespace Continuum.Tests.Data.Formats;

public sealed class JsonlDecoderTests : IDisposable
{
    private static readonly int[] Shape = [3];

    private readonly DataFiles data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public void Decode_ValidLines_ReadsExactValues()
    {
        // CRLF, a byte-order mark, fields in any order, extra fields ignored, a final newline.
        var jsonl = "\uFEFF{\"label\": 2, \"features\": [0.5, -1, 3e2], \"id\": {\"nested\": [1]}}\r\n"
            + "{\"features\":[1.25,0,7],\"label\":\"cat\"}\n";
        data.AddText("train.jsonl", Split.Train, jsonl);
        var options = DataFiles.Options(Shape) with { ClassNames = ["dog", "cat", "bird", "fish"] };

        var train = JsonlDecoder.Decode(data.Files, options, CancellationToken.None).Splits[0];

        Assert.Equal([2L, 1L], train.Labels);
        Assert.Equal([0.5f, -1f, 300f, 1.25f, 0f, 7f], train.Features);
    }

    [Fact]
    public void Decode_CustomFieldsAndDivisor_ReadsExactValues()
    {
        data.AddText("train.jsonl", Split.Train, "{\"y\": 1, \"x\": [255, 51, 0]}");
        var options = DataFiles.Options(Shape, divisor: 255f) with
        {
            Jsonl = new JsonlOptions { FeaturesField = "x", LabelField = "y" },
        };

        var train = JsonlDecoder.Decode(data.Files, options, CancellationToken.None).Splits[0];

        Assert.Equal([1L], train.Labels);
        Assert.Equal([1f, 51f / 255f, 0f], train.Features);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("  \r\n")]
    public void Decode_BlankLine_NamesLine(string blank)
    {
        data.AddText("train.jsonl", Split.Train, Line(1) + Line(2) + blank + Line(3));

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.Equal("train.jsonl: line 3 is blank; every line holds one JSON object.", e.Description);
    }

    [Theory]
    [InlineData("{\"label\": 1, \"features\": [1, 2, 3]")]
    [InlineData("{\"label\": 1, \"features\": [1, 2, 3]} x")]
    [InlineData("{\"label\": 1, \"features\": [NaN, 2, 3]}")]
    [InlineData("{\"label\": 1, \"features\": [1, 2, 3]}{}")]
    public void Decode_MalformedLine_NamesLine(string line)
    {
        data.AddText("train.jsonl", Split.Train, Line(1) + line + "\n" + Line(2));

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.StartsWith("train.jsonl: line 2 is not valid JSON", e.Description);
    }

    [Theory]
    [InlineData("[1, 1e999, 3]", "features[1] = \"1e999\" is infinity")]
    [InlineData("[1, 2, -1e999]", "features[2] = \"-1e999\" is infinity")]
    [InlineData("[\"NaN\", 2, 3]", "features[0] is \"NaN\"; expected a number")]
    [InlineData("[[1, 2, 3]]", "features[0] is an array; expected a number")]
    [InlineData("[1, 2]", "\"features\" has 2 values; the schema's input shape [3] needs 3")]
    [InlineData("[1, 2, 3, 4]", "\"features\" has more than 3 values")]
    [InlineData("\"1, 2, 3\"", "\"features\" is \"1, 2, 3\"; expected an array of numbers")]
    public void Decode_BadFeatures_NamesLineAndProblem(string features, string problem)
    {
        data.AddText("train.jsonl", Split.Train, Line(1) + Line(2) + $"{{\"label\": 1, \"features\": {features}}}\n");

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.StartsWith("train.jsonl: line 3", e.Description);
        Assert.Contains(problem, e.Description);
    }

    [Theory]
    [InlineData("{\"label\": 10, \"features\": [1, 2, 3]}", "label 10 is outside the classes 0 to 9")]
    [InlineData("{\"label\": 1.5, \"features\": [1, 2, 3]}", "\"label\" is \"1.5\"; expected a class index")]
    [InlineData("{\"label\": \"cat\", \"features\": [1, 2, 3]}", "\"label\" is \"cat\"; expected a class index")]
    [InlineData("{\"features\": [1, 2, 3]}", "line 1 has no \"label\" field")]
    [InlineData("{\"label\": 1}", "line 1 has no \"features\" field")]
    [InlineData("{\"label\": 1, \"label\": 2, \"features\": [1, 2, 3]}", "has the field \"label\" twice")]
    [InlineData("[1, 2, 3]", "line 1 is not a JSON object")]
    public void Decode_BadLabelOrShape_NamesLineAndProblem(string line, string problem)
    {
        data.AddText("train.jsonl", Split.Train, line + "\n");

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.StartsWith("train.jsonl: line 1", e.Description);
        Assert.Contains(problem, e.Description);
    }

    [Fact]
    public void Decode_LongFile_NamesLineAfterBufferRefills()
    {
        // Lines cross the reader's 1 MiB buffer several times before the bad one.
        var lines = string.Concat(Enumerable.Repeat(Line(4), 100_000));
        data.AddText("train.jsonl", Split.Train, lines + "{\"label\": 4, \"features\": [1, 2]}\n");

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.StartsWith("train.jsonl: line 100001: \"features\" has 2 values", e.Description);
    }

    private static string Line(int label) => $"{{\"label\": {label}, \"features\": [{label}, 0.25, -2]}}\n";

    private DatasetContent Decode() =>
        JsonlDecoder.Decode(data.Files, DataFiles.Options(Shape), CancellationToken.None);
}
