using Continuum.Data.V1;
using Continuum.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Net.Client;

namespace Continuum.Tests.Data;

/// <summary>One file of an upload, as the client sends it.</summary>
public sealed record UploadPart(string FileName, Split Split, FileRole Role, byte[] Bytes);

/// <summary>Test-side calls to the data service through a real channel, as any client makes them.</summary>
public sealed class DataClient(GrpcChannel channel)
{
    public DataService.DataServiceClient Raw { get; } = new(channel);

    public async Task<Dataset> CreateFashionDatasetAsync(string id)
    {
        var response = await Raw.CreateDatasetAsync(new CreateDatasetRequest
        {
            DatasetId = id,
            Dataset = new Dataset { Schema = new DatasetSchema { InputShape = { 28, 28 }, ClassCount = 10 } },
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        return response.Dataset;
    }

    public Task<CreateDatasetVersionResponse> UploadAsync(
        string dataset, DataFormat format, IReadOnlyList<UploadPart> parts,
        Action<DatasetVersionUpload>? edit = null) =>
        UploadAsync(dataset, format, parts, edit, cutAfterBytes: null);

    /// <summary>
    /// Streams the parts in 1 MiB chunks; with <paramref name="cutAfterBytes"/> the client cancels midway.
    /// </summary>
    public async Task<CreateDatasetVersionResponse> UploadAsync(
        string dataset, DataFormat format, IReadOnlyList<UploadPart> parts, Action<DatasetVersionUpload>? edit,
        long? cutAfterBytes)
    {
        var metadata = new DatasetVersionUpload
        {
            Parent = $"datasets/{dataset}",
            Format = format,
            Files =
            {
                parts.Select(p => new UploadFile
                {
                    FileName = p.FileName, Split = p.Split, Role = p.Role, SizeBytes = p.Bytes.Length,
                }),
            },
        };
        edit?.Invoke(metadata);

        using var cancel = new CancellationTokenSource();
        using var call = Raw.CreateDatasetVersion(cancellationToken: cancel.Token);
        await call.RequestStream.WriteAsync(new CreateDatasetVersionRequest { Metadata = metadata })
            .WaitAsync(TestEnvironment.Timeout);
        long sent = 0;
        for (var i = 0; i < parts.Count; i++)
        {
            for (var offset = 0; offset < parts[i].Bytes.Length; offset += 1 << 20)
            {
                var length = Math.Min(1 << 20, parts[i].Bytes.Length - offset);
                if (cutAfterBytes is { } cut && sent + length > cut)
                {
                    await cancel.CancelAsync();
                    return await call.ResponseAsync.WaitAsync(TestEnvironment.Timeout);
                }

                await call.RequestStream.WriteAsync(new CreateDatasetVersionRequest
                {
                    Chunk = new FileChunk { FileIndex = i, Data = ByteString.CopyFrom(parts[i].Bytes, offset, length) },
                }).WaitAsync(TestEnvironment.Timeout);
                sent += length;
            }
        }

        await call.RequestStream.CompleteAsync().WaitAsync(TestEnvironment.Timeout);
        return await call.ResponseAsync.WaitAsync(TestEnvironment.Timeout);
    }

    /// <summary>Every batch of one read, in order.</summary>
    public async Task<List<ReadBatchesResponse>> ReadAllAsync(ReadBatchesRequest request)
    {
        using var call = Raw.ReadBatches(request);
        var batches = new List<ReadBatchesResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestEnvironment.Timeout))
        {
            batches.Add(call.ResponseStream.Current);
        }

        return batches;
    }

    public static IReadOnlyList<UploadPart> IdxParts(
        byte[] trainPixels, byte[] trainLabels, byte[]? testPixels = null, byte[]? testLabels = null)
    {
        var parts = new List<UploadPart>
        {
            new("train-images-idx3-ubyte", Split.Train, FileRole.IdxInputs, FashionMnist.IdxImages(trainPixels)),
            new("train-labels-idx1-ubyte", Split.Train, FileRole.IdxLabels, FashionMnist.IdxLabels(trainLabels)),
        };
        if (testPixels is not null && testLabels is not null)
        {
            parts.Add(new("t10k-images-idx3-ubyte", Split.Test, FileRole.IdxInputs,
                FashionMnist.IdxImages(testPixels)));
            parts.Add(new("t10k-labels-idx1-ubyte", Split.Test, FileRole.IdxLabels,
                FashionMnist.IdxLabels(testLabels)));
        }

        return parts;
    }
}
