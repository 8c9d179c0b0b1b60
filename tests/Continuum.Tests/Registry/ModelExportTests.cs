using System.Buffers.Binary;
using System.Text.Json;
using Continuum.Ml;
using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Grpc.Core;
using TorchSharp;
using static TorchSharp.torch;

namespace Continuum.Tests.Registry;

/// <summary>Downloads of real TorchSharp artifacts: loaded back, and exported as safetensors for PyTorch.</summary>
public sealed class ModelExportTests
{
    // 784 -> 400 -> 10: about 1.3 MB of float32 weights, so a download spans two chunks.
    private static readonly Architecture Mlp = new()
    {
        Mlp = new MlpArchitecture { HiddenSizes = { 400 }, Dropout = 0.2 },
    };

    private const string Version = "models/digits/versions/1";

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task DownloadModelVersion_Torchsharp_LoadsIntoFactoryModuleWithSameOutputs(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        using var original = TinyMlp(seed: 1);
        await RegisterAsync(registry, Save(original));

        var chunks = await DownloadAsync(registry, ArtifactFormat.Torchsharp);
        using var loaded = ModelFactory.Create(Mlp, [28, 28], 10);
        loaded.load(new MemoryStream(Join(chunks)));

        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        var input = randn(new long[] { 8, 28, 28 }, generator: generator);
        original.eval();
        loaded.eval();
        Assert.Equal(original.forward(input).data<float>().ToArray(), loaded.forward(input).data<float>().ToArray());
        Assert.All(chunks, c => Assert.Equal(ArtifactFormat.Torchsharp, c.Format));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task DownloadModelVersion_Safetensors_HeaderAndWeightsMatchModule(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        using var original = TinyMlp(seed: 2);
        await RegisterAsync(registry, Save(original));

        var chunks = await DownloadAsync(registry, ArtifactFormat.Safetensors);
        var file = Join(chunks);
        var tensors = ParseSafetensors(file);

        var parameters = original.state_dict();
        Assert.Equal(parameters.Keys.Order(), tensors.Keys.Order());
        foreach (var (name, parameter) in parameters)
        {
            var tensor = tensors[name];
            Assert.Equal("F32", tensor.Dtype);
            Assert.Equal(parameter.shape, tensor.Shape);
            Assert.Equal(parameter.data<float>().ToArray(), tensor.Values);
        }

        Assert.All(chunks, c => Assert.Equal(ArtifactFormat.Safetensors, c.Format));
        Assert.All(chunks, c => Assert.Equal(file.Length, c.TotalSizeBytes));
        Assert.All(chunks, c => Assert.Equal(RegistryClient.Sha256(file), c.Sha256));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task DownloadModelVersion_SafetensorsFromOffset_SameBytesAndDigestAsWhole(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        using var original = TinyMlp(seed: 3);
        await RegisterAsync(registry, Save(original));

        var whole = await DownloadAsync(registry, ArtifactFormat.Safetensors);
        const long offset = RegistryClient.ChunkBytes - 1000;
        var resumed = await DownloadAsync(registry, ArtifactFormat.Safetensors, offset);
        var again = await DownloadAsync(registry, ArtifactFormat.Safetensors);

        var file = Join(whole);
        Assert.True(file.Length > RegistryClient.ChunkBytes, $"{file.Length} bytes should span two chunks");
        Assert.Equal(offset, resumed[0].Offset);
        Assert.Equal(file[(int)offset..], Join(resumed));
        Assert.Equal(whole[0].Sha256, resumed[0].Sha256);
        Assert.Equal(whole[0].TotalSizeBytes, resumed[^1].TotalSizeBytes);
        Assert.Equal(file, Join(again));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task DownloadModelVersion_RandomBytesAsSafetensors_FailedPreconditionArtifactNotLoadable(
        Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        // Large enough for every weight of the declared MLP, so the load itself must find the bytes wrong.
        await registry.UploadAsync("digits", RegistryClient.Artifact(2_000_000, seed: 9),
            m => m.ModelVersion.Architecture = Mlp);

        var error = await Assert.ThrowsAsync<RpcException>(() => DownloadAsync(registry, ArtifactFormat.Safetensors));
        var stored = await DownloadAsync(registry, ArtifactFormat.Unspecified);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        var info = RpcErrorDetails.ErrorInfoOf(error);
        Assert.Equal("ARTIFACT_NOT_LOADABLE", info.Reason);
        Assert.Equal(Version, info.Metadata["model_version"]);
        Assert.Contains(Version, error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(2_000_000, Join(stored).Length);
    }

    [Fact]
    public async Task DownloadModelVersion_ArtifactSmallerThanArchitecture_FailedPreconditionArtifactNotLoadable()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        await registry.UploadAsync("digits", RegistryClient.Artifact(1000, seed: 9),
            m => m.ModelVersion.Architecture = Mlp);

        var error = await Assert.ThrowsAsync<RpcException>(() => DownloadAsync(registry, ArtifactFormat.Safetensors));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("ARTIFACT_NOT_LOADABLE", RpcErrorDetails.ErrorInfoOf(error).Reason);
        Assert.Contains("318010 weights", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadModelVersion_Int8AsSafetensors_FailedPreconditionFormatNotAvailable()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        using var original = TinyMlp(seed: 4);
        await RegisterAsync(registry, Save(original), WeightEncoding.Int8);

        var error = await Assert.ThrowsAsync<RpcException>(() => DownloadAsync(registry, ArtifactFormat.Safetensors));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("FORMAT_NOT_AVAILABLE", RpcErrorDetails.ErrorInfoOf(error).Reason);
        Assert.Contains("int8", error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>A freshly initialised MLP; its own generator makes it independent of other tests' seeds.</summary>
    private static nn.Module<Tensor, Tensor> TinyMlp(int seed)
    {
        var model = ModelFactory.Create(Mlp, [28, 28], 10);
        using var generator = new Generator((ulong)seed);
        using (no_grad())
        {
            foreach (var parameter in model.parameters())
            {
                parameter.uniform_(-0.1, 0.1, generator);
            }
        }

        return model;
    }

    private static byte[] Save(nn.Module module)
    {
        using var stream = new MemoryStream();
        module.save(stream);
        return stream.ToArray();
    }

    private static async Task RegisterAsync(
        RegistryClient registry, byte[] artifact, WeightEncoding encoding = WeightEncoding.Float32)
    {
        await registry.CreateModelAsync("digits");
        await registry.UploadAsync("digits", artifact, m =>
        {
            m.ModelVersion.Architecture = Mlp;
            m.ModelVersion.WeightEncoding = encoding;
        });
    }

    private static async Task<List<DownloadModelVersionResponse>> DownloadAsync(
        RegistryClient registry, ArtifactFormat format, long offset = 0)
    {
        using var call = registry.Raw.DownloadModelVersion(
            new DownloadModelVersionRequest { Name = Version, Offset = offset, Format = format });
        var chunks = new List<DownloadModelVersionResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestEnvironment.Timeout))
        {
            chunks.Add(call.ResponseStream.Current);
        }

        return chunks;
    }

    private static byte[] Join(IEnumerable<DownloadModelVersionResponse> chunks) =>
        chunks.SelectMany(c => c.Data.ToByteArray()).ToArray();

    private sealed record SafeTensor(string Dtype, long[] Shape, float[] Values);

    /// <summary>
    /// Reads the file as the safetensors format defines it: an 8-byte little-endian header length, a JSON header
    /// naming each tensor's dtype, shape and [begin, end) byte range, then the little-endian data.
    /// </summary>
    private static Dictionary<string, SafeTensor> ParseSafetensors(byte[] file)
    {
        var headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        var dataStart = 8 + headerLength;
        using var header = JsonDocument.Parse(file.AsMemory(8, headerLength));
        var tensors = new Dictionary<string, SafeTensor>();
        long end = 0;
        foreach (var entry in header.RootElement.EnumerateObject().Where(e => e.Name != "__metadata__"))
        {
            var offsets = entry.Value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray();
            var bytes = file.AsSpan(dataStart + (int)offsets[0], (int)(offsets[1] - offsets[0]));
            var values = new float[bytes.Length / sizeof(float)];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }

            tensors[entry.Name] = new SafeTensor(entry.Value.GetProperty("dtype").GetString()!,
                entry.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(), values);
            end = Math.Max(end, offsets[1]);
        }

        Assert.Equal(file.Length, dataStart + end);
        return tensors;
    }
}
