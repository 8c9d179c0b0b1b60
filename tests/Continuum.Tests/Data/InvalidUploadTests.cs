using System.Buffers.Binary;
using Continuum.Data.V1;
using Continuum.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;

namespace Continuum.Tests.Data;

/// <summary>Bad uploads answer the exact code and field, and leave no version, row or blob behind.</summary>
public sealed class InvalidUploadTests
{
    public static TheoryData<string, string, string> BadIdx() => new()
    {
        // case, field, text the description must contain
        { "wrong-magic", "metadata.files[0]", "train-images-idx3-ubyte" },
        { "truncated", "metadata.files[0]", "offset" },
        { "count-mismatch", "metadata.files[1]", "holds 99 labels" },
        { "label-out-of-range", "metadata.files[1]", "12" },
        { "wrong-shape", "metadata.files[0]", "28" },
    };

    [Theory]
    [MemberData(nameof(BadIdx))]
    public async Task Upload_BadIdxFile_InvalidArgumentOnTheFileAndNothingStored(
        string kind, string field, string mentioned)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");
        var (pixels, labels) = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 100);
        var images = FashionMnist.IdxImages(pixels);
        var labelFile = FashionMnist.IdxLabels(labels);
        switch (kind)
        {
            case "wrong-magic":
                BinaryPrimitives.WriteInt32BigEndian(images, 0x00000801);
                break;
            case "truncated":
                images = images[..^500];
                break;
            case "count-mismatch":
                labelFile = FashionMnist.IdxLabels(labels[..99]);
                break;
            case "label-out-of-range":
                labelFile[8 + 40] = 12;
                break;
            case "wrong-shape":
                BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), 32);
                break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => data.UploadAsync("fashion", DataFormat.Idx,
        [
            new("train-images-idx3-ubyte", Split.Train, FileRole.IdxInputs, images),
            new("train-labels-idx1-ubyte", Split.Train, FileRole.IdxLabels, labelFile),
        ]));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = RpcErrorDetails.SingleViolation(error);
        Assert.Equal(field, violation.Field);
        Assert.Contains(mentioned, violation.Description);
        await AssertNothingStoredAsync(host, data);
    }

    [Theory]
    [InlineData("label,a,b\n0,1,2\n1,3\n", "metadata.files[0]", "row 2")]
    [InlineData("label,a,b\n0,1,2\n1,NaN,2\n", "metadata.files[0]", "row 2")]
    [InlineData("label,a,b\n0,1,2\n1,x,2\n", "metadata.files[0]", "row 2")]
    [InlineData("a,b\n1,2\n", "metadata.csv.label_column", "label")]
    [InlineData("label,a,b\n0,\"1,5\",2\n", "metadata.files[0]", "row 1")]
    public async Task Upload_BadCsv_InvalidArgumentNamingTheRow(string csv, string field, string mentioned)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);
        await data.Raw.CreateDatasetAsync(new CreateDatasetRequest
        {
            DatasetId = "table",
            Dataset = new Dataset { Schema = new DatasetSchema { InputShape = { 2 }, ClassCount = 2 } },
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);

        var error = await Assert.ThrowsAsync<RpcException>(() => data.UploadAsync("table", DataFormat.Csv,
            [new("table.csv", Split.Train, FileRole.Table, System.Text.Encoding.UTF8.GetBytes(csv))],
            m => m.Csv = new CsvOptions { LabelColumn = "label" }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = RpcErrorDetails.SingleViolation(error);
        Assert.Equal(field, violation.Field);
        Assert.Contains(mentioned, violation.Description);
        await AssertNothingStoredAsync(host, data, "table");
    }

    [Fact]
    public async Task Upload_ClientCancelsMidStream_CancelledAndNothingStored()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");
        var (pixels, labels) = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 10_000);

        var error = await Assert.ThrowsAsync<RpcException>(() => data.UploadAsync(
            "fashion", DataFormat.Idx, DataClient.IdxParts(pixels, labels), edit: null, cutAfterBytes: 3 << 20));

        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        await AssertNothingStoredAsync(host, data);
    }

    [Fact]
    public async Task Upload_AnnouncedSizeDiffers_InvalidArgumentOnSizeBytes()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");
        var (pixels, labels) = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 100);

        var error = await Assert.ThrowsAsync<RpcException>(() => data.UploadAsync(
            "fashion", DataFormat.Idx, DataClient.IdxParts(pixels, labels), m => m.Files[1].SizeBytes += 1));

        Assert.Equal("metadata.files[1].size_bytes",
            RpcErrorDetails.SingleViolation(error).Field);
        await AssertNothingStoredAsync(host, data);
    }

    [Fact]
    public async Task Upload_ChunkOverOneMebibyte_InvalidArgumentOnChunkData()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");

        using var call = data.Raw.CreateDatasetVersion();
        await call.RequestStream.WriteAsync(new CreateDatasetVersionRequest
        {
            Metadata = new DatasetVersionUpload
            {
                Parent = "datasets/fashion",
                Format = DataFormat.Idx,
                Files = { new UploadFile { FileName = "big", Split = Split.Train, Role = FileRole.IdxInputs } },
            },
        }).WaitAsync(TestEnvironment.Timeout);
        await call.RequestStream.WriteAsync(new CreateDatasetVersionRequest
        {
            Chunk = new FileChunk { FileIndex = 0, Data = ByteString.CopyFrom(new byte[(1 << 20) + 1]) },
        }).WaitAsync(TestEnvironment.Timeout);
        await call.RequestStream.CompleteAsync().WaitAsync(TestEnvironment.Timeout);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal("chunk.data", RpcErrorDetails.SingleViolation(error).Field);
        await AssertNothingStoredAsync(host, data);
    }

    [Theory]
    [InlineData("../../etc/passwd", "metadata.files[0].file_name")]
    [InlineData("..", "metadata.files[0].file_name")]
    [InlineData("divisor", "metadata.value_divisor")]
    public async Task Upload_BadMetadata_InvalidArgumentBeforeAnyByteIsStored(string fileName, string field)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");
        var (pixels, labels) = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 10);

        var error = await Assert.ThrowsAsync<RpcException>(() => data.UploadAsync(
            "fashion", DataFormat.Idx, DataClient.IdxParts(pixels, labels), m =>
            {
                if (fileName == "divisor")
                {
                    // 255 divided by this is past float32's range: every pixel would be infinite.
                    m.ValueDivisor = 1e-38;
                }
                else
                {
                    m.Files[0].FileName = fileName;
                }
            }));

        Assert.Equal(field, RpcErrorDetails.SingleViolation(error).Field);
        await AssertNothingStoredAsync(host, data);
    }

    [Fact]
    public async Task Upload_UnknownDataset_NotFoundNamingIt()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);
        var (pixels, labels) = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 10);

        var error = await Assert.ThrowsAsync<RpcException>(
            () => data.UploadAsync("nope", DataFormat.Idx, DataClient.IdxParts(pixels, labels)));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("datasets/nope", error.Status.Detail);
    }

    private static async Task AssertNothingStoredAsync(RunningHost host, DataClient data, string dataset = "fashion")
    {
        var versions = await data.Raw.ListDatasetVersionsAsync(
                new ListDatasetVersionsRequest { Parent = $"datasets/{dataset}" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        Assert.Empty(versions.DatasetVersions);
        Assert.Empty(host.FilesUnder("blobs"));
        Assert.Empty(host.FilesUnder("uploads"));
    }
}
