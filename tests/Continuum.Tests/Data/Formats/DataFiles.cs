using System.Buffers.Binary;
using System.IO.Compression;
using Continuum.Data.Formats;
using Continuum.Data.V1;
using Continuum.Tests.Infrastructure;

namespace Continuum.Tests.Data.Formats;

/// <summary>
/// A temporary folder of upload files for one test, and writers for small IDX, CSV and JSON lines files.
/// </summary>
public sealed class DataFiles : IDisposable
{
    private readonly List<UploadedFile> files = [];

    public string Root { get; } = TestEnvironment.NewTempDir();

    /// <summary>The files added so far, indexed in the order they were added.</summary>
    public IReadOnlyList<UploadedFile> Files => files;

    public static DecodeOptions Options(int[] shape, int classCount = 10, float divisor = 1f) =>
        new() { InputShape = shape, ClassCount = classCount, ValueDivisor = divisor };

    public static DecodeOptions CsvOptions(int[] shape, string label = "label", params string[] ignore) =>
        Options(shape) with { Csv = new CsvOptions { LabelColumn = label, IgnoreColumns = { ignore } } };

    public UploadedFile Add(string name, Split split, FileRole role, byte[] bytes)
    {
        var path = Path.Combine(Root, $"{files.Count}-{name}");
        File.WriteAllBytes(path, bytes);
        var file = new UploadedFile(files.Count, name, split, role, path);
        files.Add(file);
        return file;
    }

    public UploadedFile AddText(string name, Split split, string text) =>
        Add(name, split, FileRole.Table, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>An idx3 file: magic 0x803, count, rows, columns, then the pixels.</summary>
    public static byte[] Idx3(int count, int rows, int columns, ReadOnlySpan<byte> pixels, uint magic = 0x803) =>
        [.. Header(magic, count, rows, columns), .. pixels];

    /// <summary>An idx1 file: magic 0x801, count, then the labels.</summary>
    public static byte[] Idx1(int count, ReadOnlySpan<byte> labels, uint magic = 0x801) =>
        [.. Header(magic, count), .. labels];

    public static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }

    public static byte[] Gunzip(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    /// <summary>The first <paramref name="length"/> bytes of a gzipped file, decompressed.</summary>
    public static byte[] Gunzip(string path, int length)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        var bytes = new byte[length];
        gzip.ReadExactly(bytes);
        return bytes;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private static byte[] Header(uint magic, params int[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        for (var i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        }

        return header;
    }
}
