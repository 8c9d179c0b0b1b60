using Continuum.Data.Content;
using Continuum.Data.Formats;
using Continuum.Data.V1;

namespace Continuum.Tests.Data.Formats;

public sealed class CsvDecoderTests : IDisposable
{
    private static readonly int[] Shape = [2];

    private readonly DataFiles data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public void Decode_BomCrlfAndQuotedFields_ReadsExactValues()
    {
        // The comment column holds a comma, doubled quotes and a line break; the header is quoted too.
        var csv = "\uFEFFid,\"comment\",label,x,y\r\n"
            + "a,\"plain, with comma\",3,0.5,-1.25\r\n"
            + "b,\"she said \"\"hi\"\"\r\nand left\",7,1e-3,2\r\n"
            + "c,,0,\"4\",  5.5\r\n";
        data.AddText("train.csv", Split.Train, csv);

        var options = DataFiles.CsvOptions(Shape, "label", "id", "comment");

        var content = CsvDecoder.Decode(data.Files, options, CancellationToken.None);

        var train = Assert.Single(content.Splits);
        Assert.Equal([3L, 7L, 0L], train.Labels);
        Assert.Equal([0.5f, -1.25f, 0.001f, 2f, 4f, 5.5f], train.Features);
    }

    [Fact]
    public void Decode_LfClassNamesAndDivisor_ReadsExactValues()
    {
        data.AddText("train.csv", Split.Train, "x,y,label\n255,51,cat\n0,1,2\n");
        var options = DataFiles.CsvOptions(Shape) with { ClassNames = ["dog", "bird", "cat"], ValueDivisor = 255f };

        var train = CsvDecoder.Decode(data.Files, options, CancellationToken.None).Splits[0];

        Assert.Equal([2L, 2L], train.Labels);
        Assert.Equal([1f, 51f / 255f, 0f, 1f / 255f], train.Features);
    }

    [Fact]
    public void Decode_LabelColumnMissing_ThrowsOnCsvLabelColumn()
    {
        data.AddText("train.csv", Split.Train, "x,y,class\n1,2,3\n");

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("csv.label_column", e.Field);
        Assert.Contains("train.csv has no column \"label\"", e.Description);
        Assert.Contains("\"class\"", e.Description);
    }

    [Fact]
    public void Decode_RaggedRow_NamesRowLineAndCounts()
    {
        // Row 2 spans two lines, so row 3 starts on line 5.
        data.AddText("train.csv", Split.Train, "note,label,x,y\n,1,2,3\n\"two\nlines\",1,2,3\n,1,2\n");

        var e = Assert.Throws<DataValidationException>(
            () => CsvDecoder.Decode(data.Files, DataFiles.CsvOptions(Shape, "label", "note"), CancellationToken.None));

        Assert.Equal("files[0]", e.Field);
        Assert.Equal("train.csv: row 3 (line 5) has 3 columns; the header has 4.", e.Description);
    }

    [Fact]
    public void Decode_BlankLine_IsRaggedRow()
    {
        data.AddText("train.csv", Split.Train, "label,x,y\n1,2,3\n\n");

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("train.csv: row 2 is blank; the header has 3 columns.", e.Description);
    }

    [Fact]
    public void Decode_UnparsableValue_NamesRowColumnAndText()
    {
        data.AddText("test.csv", Split.Test, "label,x,y\n1,2,3\n1,2,abc\n");
        data.AddText("train.csv", Split.Train, "label,x,y\n1,2,3\n");

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.Equal("test.csv: row 2, column \"y\": \"abc\" is not a number.", e.Description);
    }

    [Theory]
    [InlineData("NaN", "is NaN")]
    [InlineData("Infinity", "is infinity")]
    [InlineData("-Infinity", "is infinity")]
    [InlineData("1e999", "is infinity")]
    public void Decode_NonFiniteValue_NamesRowAndValue(string value, string problem)
    {
        data.AddText("train.csv", Split.Train, $"label,x,y\n1,2,3\n4,5,6\n1,{value},3\n");

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.StartsWith($"train.csv: row 3, column \"x\": \"{value}\" {problem}", e.Description);
    }

    [Fact]
    public void Decode_ValueOverflowsWhenDivided_ThrowsNonFinite()
    {
        data.AddText("train.csv", Split.Train, "label,x,y\n1,3e38,3\n");

        var e = Assert.Throws<DataValidationException>(() => CsvDecoder.Decode(
            data.Files, DataFiles.CsvOptions(Shape) with { ValueDivisor = 0.5f }, CancellationToken.None));

        Assert.Contains("row 1, column \"x\": \"3e38\" becomes infinity when divided by 0.5", e.Description);
    }

    [Theory]
    [InlineData("10", "label 10 is outside the classes 0 to 9")]
    [InlineData("-1", "label -1 is outside the classes 0 to 9")]
    [InlineData("2.5", "\"2.5\" is not a class index or a class name")]
    public void Decode_BadLabel_NamesRowAndLabel(string label, string problem)
    {
        data.AddText("train.csv", Split.Train, $"label,x,y\n1,2,3\n{label},2,3\n");

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.Contains("train.csv: row 2", e.Description);
        Assert.Contains(problem, e.Description);
    }

    [Fact]
    public void Decode_FeatureColumnsDifferFromShape_NamesBothCounts()
    {
        data.AddText("train.csv", Split.Train, "label,x,y,z\n1,2,3,4\n");

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.Contains("train.csv: its header row (line 1) has 3 input columns", e.Description);
        Assert.Contains("[2] needs 2", e.Description);
    }

    [Fact]
    public void Decode_HeaderNamesColumnTwice_ThrowsOnFile()
    {
        data.AddText("train.csv", Split.Train, "label,x,x\n1,2,3\n");

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.Contains("train.csv: its header row (line 1)", e.Description);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("label,x,y\r\n", "holds no examples")]
    public void Decode_NoTrainingRows_ThrowsOnFile(string csv, string problem)
    {
        data.AddText("train.csv", Split.Train, csv);

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.Contains($"train.csv: {problem}", e.Description);
    }

    [Fact]
    public void Decode_KeepClasses_EmptiesTestButKeepsTrain()
    {
        data.AddText("train.csv", Split.Train, "label,x,y\n1,2,3\n2,4,5\n");
        data.AddText("test.csv", Split.Test, "label,x,y\n2,2,3\n");
        var options = DataFiles.CsvOptions(Shape) with { KeepClasses = new HashSet<int> { 1 } };

        var content = CsvDecoder.Decode(data.Files, options, CancellationToken.None);

        Assert.Equal([1L], content.Get(Split.Train)!.Labels);
        Assert.Equal([2f, 3f], content.Get(Split.Train)!.Features);
        Assert.Equal(0, content.Get(Split.Test)!.Count);
    }

    [Fact]
    public void Decode_LabelColumnUnset_ThrowsOnCsvLabelColumn()
    {
        data.AddText("train.csv", Split.Train, "label,x,y\n1,2,3\n");

        var e = Assert.Throws<DataValidationException>(
            () => CsvDecoder.Decode(data.Files, DataFiles.Options(Shape), CancellationToken.None));

        Assert.Equal("csv.label_column", e.Field);
    }

    private DatasetContent Decode() =>
        CsvDecoder.Decode(data.Files, DataFiles.CsvOptions(Shape), CancellationToken.None);
}
