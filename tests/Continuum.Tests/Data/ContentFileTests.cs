using Continuum.Data.Content;
using Continuum.Data.V1;
using Continuum.Tests.Infrastructure;

namespace Continuum.Tests.Data;

public sealed class ContentFileTests
{
    [Fact]
    public async Task WriteAsync_TinyContent_WritesTheDocumentedLayout()
    {
        var content = new DatasetContent([2], [new SplitExamples(Split.Train, [3], [1f, 2f])]);

        var bytes = await WriteAsync(content);

        byte[] expected =
        [
            .. "CTDS"u8, 1, 0, 0, 0, // magic, version 1
            1, 0, 0, 0, 2, 0, 0, 0, // rank 1, shape [2]
            1, 0, 0, 0, // one split
            1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, // train, 1 example
            3, 0, 0, 0, 0, 0, 0, 0, // label 3
            0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, // 1f, 2f
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public async Task ReadAsync_WrittenContent_KeepsTheSha256()
    {
        // Features of several MiB, so that reading and writing cross their chunk boundaries.
        var content = Random([28, 28], (Split.Train, 3_001), (Split.Test, 17), (Split.Validation, 0));

        var read = await DatasetContentFile.ReadAsync(
                new MemoryStream(await WriteAsync(content)), CancellationToken.None)
            .WaitAsync(TestEnvironment.Timeout);

        Assert.Equal(content.ComputeSha256(), read.ComputeSha256());
        Assert.Equal([28, 28], read.InputShape);
        Assert.Equal([Split.Train, Split.Test, Split.Validation], read.Splits.Select(s => s.Split));
        Assert.Equal(content.Splits[0].Features, read.Splits[0].Features);
    }

    [Fact]
    public async Task ReadAsync_UnseekableStream_KeepsTheSha256()
    {
        var content = Random([5], (Split.Train, 1_000), (Split.Test, 10));

        var read = await DatasetContentFile.ReadAsync(
                new UnseekableStream(await WriteAsync(content)), CancellationToken.None)
            .WaitAsync(TestEnvironment.Timeout);

        Assert.Equal(content.ComputeSha256(), read.ComputeSha256());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(12)]
    [InlineData(20)]
    [InlineData(40)]
    [InlineData(-1)]
    public async Task ReadAsync_TruncatedFile_ThrowsInvalidData(int length)
    {
        var bytes = await WriteAsync(Random([4], (Split.Train, 10), (Split.Test, 3)));
        var cut = bytes[..(length >= 0 ? length : bytes.Length + length)];

        foreach (var stream in new Stream[] { new MemoryStream(cut), new UnseekableStream(cut) })
        {
            await Assert.ThrowsAsync<InvalidDataException>(
                () => DatasetContentFile.ReadAsync(stream, CancellationToken.None).WaitAsync(TestEnvironment.Timeout));
        }
    }

    [Fact]
    public async Task ReadAsync_BytesAfterLastSplit_ThrowsInvalidData()
    {
        byte[] bytes = [.. await WriteAsync(Random([4], (Split.Train, 2))), 0];

        await Assert.ThrowsAsync<InvalidDataException>(
            () => DatasetContentFile.ReadAsync(new MemoryStream(bytes), CancellationToken.None)
                .WaitAsync(TestEnvironment.Timeout));
    }

    [Theory]
    [InlineData(0, (byte)'X')] // magic
    [InlineData(4, 2)] // version
    [InlineData(8, 0)] // rank
    [InlineData(16, 9)] // split count
    [InlineData(20, 7)] // split number
    [InlineData(31, 0x7f)] // example count, far beyond the file
    public async Task ReadAsync_CorruptHeader_ThrowsInvalidData(int offset, byte value)
    {
        var bytes = await WriteAsync(Random([4], (Split.Train, 2)));
        bytes[offset] = value;

        await Assert.ThrowsAsync<InvalidDataException>(
            () => DatasetContentFile.ReadAsync(new MemoryStream(bytes), CancellationToken.None)
                .WaitAsync(TestEnvironment.Timeout));
    }

    private static async Task<byte[]> WriteAsync(DatasetContent content)
    {
        using var stream = new MemoryStream();
        await DatasetContentFile.WriteAsync(content, stream, CancellationToken.None).WaitAsync(TestEnvironment.Timeout);
        return stream.ToArray();
    }

    private static DatasetContent Random(int[] shape, params (Split Split, int Count)[] splits)
    {
        var random = new Random(42);
        var featureCount = shape.Aggregate(1, (a, b) => a * b);
        return new DatasetContent(shape, splits.Select(s => new SplitExamples(
            s.Split,
            [.. Enumerable.Range(0, s.Count).Select(_ => (long)random.Next(10))],
            [.. Enumerable.Range(0, s.Count * featureCount).Select(_ => random.NextSingle())])));
    }

    /// <summary>A stream that cannot seek, as a blob download may be.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }
    }
}
