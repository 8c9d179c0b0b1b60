using Continuum.Data.Content;
using Continuum.Data.Formats;
using Continuum.Data.V1;

namespace Continuum.Tests.Data.Formats;

public sealed class IdxDecoderTests : IDisposable
{
    private static readonly int[] Shape = [2, 3];
    private static readonly byte[] Pixels = [.. Enumerable.Range(0, 18).Select(i => (byte)(i * 15))];
    private static readonly byte[] Labels = [3, 0, 9];

    private readonly DataFiles data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public void Decode_ValidFiles_DividesPixelsInFloat32()
    {
        AddTrain(DataFiles.Idx3(3, 2, 3, Pixels), DataFiles.Idx1(3, Labels));

        var content = IdxDecoder.Decode(data.Files, DataFiles.Options(Shape, divisor: 255f), CancellationToken.None);

        var train = Assert.Single(content.Splits);
        Assert.Equal([3L, 0L, 9L], train.Labels);
        Assert.Equal(Pixels.Select(p => (float)p / 255f), train.Features);
        Assert.Equal([2, 3], content.InputShape);
    }

    [Fact]
    public void Decode_GzipTellsByMagicNotName_ReadsBoth()
    {
        // A gzipped file without .gz and a plain one called .gz: only the bytes decide.
        data.Add("images.idx", Split.Train, FileRole.IdxInputs, DataFiles.Gzip(DataFiles.Idx3(3, 2, 3, Pixels)));
        data.Add("labels.gz", Split.Train, FileRole.IdxLabels, DataFiles.Idx1(3, Labels));

        var content = IdxDecoder.Decode(data.Files, DataFiles.Options(Shape), CancellationToken.None);

        Assert.Equal(Pixels.Select(p => (float)p), content.Splits[0].Features);
    }

    [Fact]
    public void Decode_WrongMagic_NamesFoundAndExpected()
    {
        AddTrain(DataFiles.Idx3(3, 2, 3, Pixels, magic: 0x801), DataFiles.Idx1(3, Labels));

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.Contains("images.idx3", e.Description);
        Assert.Contains("byte offset 0 is 0x00000801", e.Description);
        Assert.Contains("0x00000803", e.Description);
    }

    [Fact]
    public void Decode_TruncatedImages_NamesEndOffsetAndExpectedBytes()
    {
        AddTrain(DataFiles.Idx3(3, 2, 3, Pixels)[..26], DataFiles.Idx1(3, Labels));

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.Contains("images.idx3", e.Description);
        Assert.Contains("ends at byte offset 26", e.Description);
        Assert.Contains("34 bytes in all", e.Description);
    }

    [Fact]
    public void Decode_TruncatedGzip_NamesOffsetInDecompressedData()
    {
        // Random pixels do not compress, so half of the gzip holds less than half of the data.
        var pixels = new byte[100 * 6];
        new Random(7).NextBytes(pixels);
        var gzipped = DataFiles.Gzip(DataFiles.Idx3(100, 2, 3, pixels));
        AddTrain(gzipped[..(gzipped.Length / 2)], DataFiles.Idx1(100, new byte[100]));

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.Contains("images.idx3: is truncated: it ends at byte offset", e.Description);
        Assert.Contains("of the decompressed data", e.Description);
        Assert.Contains("616 bytes in all", e.Description);
    }

    [Fact]
    public void Decode_CorruptGzip_SaysNotValidGzip()
    {
        var gzipped = DataFiles.Gzip(DataFiles.Idx1(3, Labels));
        gzipped[2] = 7; // the compression method: 8 is deflate, the only one there is
        AddTrain(DataFiles.Idx3(3, 2, 3, Pixels), gzipped);

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[1]", e.Field);
        Assert.Contains("labels.idx1: is not valid gzip data (it fails after byte offset 0 of the decompressed data)",
            e.Description);
    }

    [Fact]
    public void Decode_TruncatedHeader_NamesEndOffset()
    {
        AddTrain(DataFiles.Idx3(3, 2, 3, Pixels)[..10], DataFiles.Idx1(3, Labels));

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.Contains("ends at byte offset 10", e.Description);
        Assert.Contains("16 bytes", e.Description);
    }

    [Fact]
    public void Decode_TrailingBytes_NamesOffsetAndCount()
    {
        AddTrain(DataFiles.Idx3(3, 2, 3, Pixels), [.. DataFiles.Idx1(3, Labels), 7, 7]);

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[1]", e.Field);
        Assert.Contains("labels.idx1", e.Description);
        Assert.Contains("2 extra bytes from byte offset 11", e.Description);
    }

    [Fact]
    public void Decode_CountsDiffer_NamesBothCounts()
    {
        AddTrain(DataFiles.Idx3(3, 2, 3, Pixels), DataFiles.Idx1(2, Labels[..2]));

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[1]", e.Field);
        Assert.Contains("labels.idx1: holds 2 labels but images.idx3 holds 3 images", e.Description);
    }

    [Fact]
    public void Decode_LabelOutsideClasses_NamesExampleAndOffset()
    {
        AddTrain(DataFiles.Idx3(3, 2, 3, Pixels), DataFiles.Idx1(3, [3, 10, 9]));

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[1]", e.Field);
        Assert.Contains("labels.idx1: label 10 of example 2 (byte offset 9)", e.Description);
        Assert.Contains("0 to 9", e.Description);
    }

    [Fact]
    public void Decode_ShapeDiffersFromSchema_NamesBothShapes()
    {
        AddTrain(DataFiles.Idx3(2, 3, 3, Pixels), DataFiles.Idx1(2, Labels[..2]));

        var e = Assert.Throws<DataValidationException>(() => Decode());

        Assert.Equal("files[0]", e.Field);
        Assert.Contains("images.idx3: its images are 3x3 (byte offset 8)", e.Description);
        Assert.Contains("[2, 3]", e.Description);
    }

    [Fact]
    public void Decode_KeepClasses_DropsOtherLabels()
    {
        AddTrain(DataFiles.Idx3(3, 2, 3, Pixels), DataFiles.Idx1(3, Labels));
        var options = DataFiles.Options(Shape) with { KeepClasses = new HashSet<int> { 0, 9 } };

        var train = IdxDecoder.Decode(data.Files, options, CancellationToken.None).Splits[0];

        Assert.Equal([0L, 9L], train.Labels);
        Assert.Equal(Pixels[6..].Select(p => (float)p), train.Features);
    }

    [Fact]
    public void Decode_KeepClassesLeaveNoTraining_ThrowsOnKeepClasses()
    {
        AddTrain(DataFiles.Idx3(3, 2, 3, Pixels), DataFiles.Idx1(3, Labels));
        var options = DataFiles.Options(Shape) with { KeepClasses = new HashSet<int> { 5 } };

        var e = Assert.Throws<DataValidationException>(
            () => IdxDecoder.Decode(data.Files, options, CancellationToken.None));

        Assert.Equal("keep_classes", e.Field);
        Assert.Contains("no training example has one of the kept classes (5)", e.Description);
    }

    [Fact]
    public void Decode_KeepClassOutsideClasses_ThrowsOnKeepClasses()
    {
        AddTrain(DataFiles.Idx3(3, 2, 3, Pixels), DataFiles.Idx1(3, Labels));
        var options = DataFiles.Options(Shape) with { KeepClasses = new HashSet<int> { 1, 10 } };

        var e = Assert.Throws<DataValidationException>(
            () => IdxDecoder.Decode(data.Files, options, CancellationToken.None));

        Assert.Equal("keep_classes", e.Field);
        Assert.Contains("10", e.Description);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void Decode_BadValueDivisor_ThrowsOnValueDivisor(float divisor)
    {
        AddTrain(DataFiles.Idx3(3, 2, 3, Pixels), DataFiles.Idx1(3, Labels));

        var e = Assert.Throws<DataValidationException>(
            () => IdxDecoder.Decode(data.Files, DataFiles.Options(Shape, divisor: divisor), CancellationToken.None));

        Assert.Equal("value_divisor", e.Field);
    }

    private void AddTrain(byte[] images, byte[] labels)
    {
        data.Add("images.idx3", Split.Train, FileRole.IdxInputs, images);
        data.Add("labels.idx1", Split.Train, FileRole.IdxLabels, labels);
    }

    private DatasetContent Decode() => IdxDecoder.Decode(data.Files, DataFiles.Options(Shape), CancellationToken.None);
}
