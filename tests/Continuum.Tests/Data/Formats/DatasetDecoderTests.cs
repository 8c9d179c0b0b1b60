using Continuum.Data.Content;
using Continuum.Data.Formats;
using Continuum.Data.V1;

namespace Continuum.Tests.Data.Formats;

public sealed class DatasetDecoderTests : IDisposable
{
    private static readonly int[] Shape = [2];

    private readonly DataFiles data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public void Decode_EachFormat_GivesTheSameSha256()
    {
        var csv = DataFiles.CsvOptions(Shape);
        data.AddText("train.csv", Split.Train, "label,a,b\n1,0.5,2\n0,3,4\n");
        var fromCsv = DatasetDecoder.Decode(DataFormat.Csv, data.Files, csv, CancellationToken.None);
        using var jsonl = new DataFiles();
        jsonl.AddText("train.jsonl", Split.Train,
            "{\"label\":1,\"features\":[0.5,2]}\n{\"label\":0,\"features\":[3,4]}\n");

        var fromJsonl = DatasetDecoder.Decode(DataFormat.Jsonl, jsonl.Files, csv, CancellationToken.None);

        Assert.Equal(fromCsv.ComputeSha256(), fromJsonl.ComputeSha256());
    }

    [Fact]
    public void Decode_NoTrainSplit_ThrowsOnFiles()
    {
        data.AddText("test.csv", Split.Test, "label,a,b\n1,2,3\n");

        var e = Assert.Throws<DataValidationException>(() => Decode(DataFormat.Csv));

        Assert.Equal("files", e.Field);
        Assert.Contains("train split", e.Description);
    }

    [Fact]
    public void Decode_NoFiles_ThrowsOnFiles()
    {
        var e = Assert.Throws<DataValidationException>(() => Decode(DataFormat.Idx));

        Assert.Equal("files", e.Field);
    }

    [Fact]
    public void Decode_IdxSplitWithoutLabels_ThrowsOnFiles()
    {
        data.Add("train-images", Split.Train, FileRole.IdxInputs, DataFiles.Idx3(1, 1, 2, [1, 2]));
        data.Add("train-labels", Split.Train, FileRole.IdxLabels, DataFiles.Idx1(1, [1]));
        data.Add("test-images", Split.Test, FileRole.IdxInputs, DataFiles.Idx3(1, 1, 2, [1, 2]));

        var e = Assert.Throws<DataValidationException>(() => Decode(DataFormat.Idx));

        Assert.Equal("files", e.Field);
        Assert.Equal("the test split has test-images but no IDX labels file.", e.Description);
    }

    [Fact]
    public void Decode_RoleDoesNotFitFormat_ThrowsOnThatFile()
    {
        data.AddText("train.csv", Split.Train, "label,a,b\n1,2,3\n");
        data.Add("train-labels", Split.Train, FileRole.IdxLabels, DataFiles.Idx1(1, [1]));

        var e = Assert.Throws<DataValidationException>(() => Decode(DataFormat.Csv));

        Assert.Equal("files[1]", e.Field);
        Assert.Equal("train-labels: has the role IDX labels; CSV files are table files.", e.Description);
    }

    [Fact]
    public void Decode_TwoTablesForOneSplit_ThrowsOnTheSecond()
    {
        data.AddText("a.csv", Split.Train, "label,a,b\n1,2,3\n");
        data.AddText("b.csv", Split.Train, "label,a,b\n1,2,3\n");

        var e = Assert.Throws<DataValidationException>(() => Decode(DataFormat.Csv));

        Assert.Equal("files[1]", e.Field);
        Assert.Contains("b.csv: is a second table file for the train split (a.csv is the first)", e.Description);
    }

    [Fact]
    public void Decode_SplitUnspecified_ThrowsOnThatFile()
    {
        data.AddText("train.csv", Split.Train, "label,a,b\n1,2,3\n");
        data.AddText("other.csv", Split.Unspecified, "label,a,b\n1,2,3\n");

        var e = Assert.Throws<DataValidationException>(() => Decode(DataFormat.Csv));

        Assert.Equal("files[1]", e.Field);
        Assert.Contains("other.csv: has no split", e.Description);
    }

    [Fact]
    public void Decode_FormatUnspecified_ThrowsOnFormat()
    {
        data.AddText("train.csv", Split.Train, "label,a,b\n1,2,3\n");

        var e = Assert.Throws<DataValidationException>(() => Decode(DataFormat.Unspecified));

        Assert.Equal("format", e.Field);
    }

    [Fact]
    public void Decode_CancelledToken_Throws()
    {
        data.AddText("train.csv", Split.Train, "label,a,b\n1,2,3\n");

        Assert.ThrowsAny<OperationCanceledException>(() => DatasetDecoder.Decode(
            DataFormat.Csv, data.Files, DataFiles.CsvOptions(Shape), new CancellationToken(canceled: true)));
    }

    private DatasetContent Decode(DataFormat format) =>
        DatasetDecoder.Decode(format, data.Files, DataFiles.CsvOptions(Shape), CancellationToken.None);
}
