using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Continuum.Data.V1;

namespace Continuum.Data.Content;

/// <summary>
/// How a decoded version is stored: our own format, little-endian throughout, read back in bulk.
/// <code>
/// "CTDS"                      4 bytes, magic
/// version                     int32, 1
/// rank R, then R dimensions   int32 each, the input shape
/// split count S               int32, 0 to 3
/// S times:
///   split                     int32, the Split enum value
///   example count N           int64
///   labels                    N int64
///   features                  N times the shape's product float32, row-major
/// </code>
/// Nothing may follow the last split. A short, corrupt or over-long file is an <see cref="InvalidDataException"/>.
/// </summary>
public static class DatasetContentFile
{
    private const int Version = 1;
    private const int MaxRank = 32;
    private const int ChunkBytes = 1 << 20;
    private static readonly byte[] Magic = "CTDS"u8.ToArray();

    public static async Task WriteAsync(DatasetContent content, Stream stream, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            var header = new List<int> { Version, content.InputShape.Count };
            header.AddRange(content.InputShape);
            header.Add(content.Splits.Count);
            Magic.CopyTo(buffer, 0);
            for (var i = 0; i < header.Count; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(4 + 4 * i), header[i]);
            }

            await stream.WriteAsync(buffer.AsMemory(0, 4 + 4 * header.Count), ct);
            foreach (var split in content.Splits)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buffer, (int)split.Split);
                BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(4), split.Count);
                await stream.WriteAsync(buffer.AsMemory(0, 12), ct);
                await WriteArrayAsync(stream, split.Labels, buffer, ct);
                await WriteArrayAsync(stream, split.Features, buffer, ct);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static async Task<DatasetContent> ReadAsync(Stream stream, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            await ReadExactlyAsync(stream, buffer, 12, ct);
            if (!buffer.AsSpan(0, 4).SequenceEqual(Magic))
            {
                throw new InvalidDataException("Not a dataset content file: the magic \"CTDS\" is missing.");
            }

            var version = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(4));
            var rank = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(8));
            if (version != Version || rank is < 1 or > MaxRank)
            {
                throw new InvalidDataException($"Unsupported dataset content file: version {version}, rank {rank}.");
            }

            await ReadExactlyAsync(stream, buffer, 4 * rank + 4, ct);
            var shape = new int[rank];
            for (var i = 0; i < rank; i++)
            {
                shape[i] = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(4 * i));
            }

            var splitCount = BinaryPrimitives.ReadInt32LittleEndian(buffer.AsSpan(4 * rank));
            var featureCount = shape.Aggregate(1L, (a, d) => d <= 0 || a * d > Array.MaxLength
                ? throw new InvalidDataException($"Corrupt input shape [{string.Join(", ", shape)}].")
                : a * d);
            if (splitCount is < 0 or > 3)
            {
                throw new InvalidDataException($"Corrupt split count {splitCount}.");
            }

            var splits = new List<SplitExamples>();
            for (var s = 0; s < splitCount; s++)
            {
                splits.Add(await ReadSplitAsync(stream, buffer, featureCount, splits, ct));
            }

            if (await stream.ReadAsync(buffer.AsMemory(0, 1), ct) != 0)
            {
                throw new InvalidDataException("The dataset content file has bytes after its last split.");
            }

            return new DatasetContent(shape, splits);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<SplitExamples> ReadSplitAsync(
        Stream stream, byte[] buffer, long featureCount, List<SplitExamples> before, CancellationToken ct)
    {
        await ReadExactlyAsync(stream, buffer, 12, ct);
        var split = (Split)BinaryPrimitives.ReadInt32LittleEndian(buffer);
        var count = BinaryPrimitives.ReadInt64LittleEndian(buffer.AsSpan(4));
        if (split is not (Split.Train or Split.Test or Split.Validation) || before.Any(b => b.Split == split))
        {
            throw new InvalidDataException($"Corrupt or repeated split {(int)split}.");
        }

        // A corrupt count must not make us allocate what the file cannot hold.
        var values = count * featureCount;
        var left = stream.CanSeek ? stream.Length - stream.Position : long.MaxValue;
        if (count < 0 || count > Array.MaxLength || values > Array.MaxLength || count * 8 + values * 4 > left)
        {
            throw new InvalidDataException($"The {split} split claims {count} examples, more than the file holds.");
        }

        // Filled from the stream before anyone sees them, or never returned.
        var labels = GC.AllocateUninitializedArray<long>((int)count);
        var features = GC.AllocateUninitializedArray<float>((int)values);
        await ReadArrayAsync(stream, labels, buffer, ct);
        await ReadArrayAsync(stream, features, buffer, ct);
        return new SplitExamples(split, labels, features);
    }

    private static async Task WriteArrayAsync<T>(Stream stream, T[] values, byte[] buffer, CancellationToken ct)
        where T : unmanaged
    {
        var total = (long)values.Length * Unsafe.SizeOf<T>();
        for (long offset = 0; offset < total; offset += ChunkBytes)
        {
            var n = (int)Math.Min(ChunkBytes, total - offset);
            CopyOut(values, offset, buffer.AsSpan(0, n));
            await stream.WriteAsync(buffer.AsMemory(0, n), ct);
        }
    }

    private static async Task ReadArrayAsync<T>(Stream stream, T[] values, byte[] buffer, CancellationToken ct)
        where T : unmanaged
    {
        var total = (long)values.Length * Unsafe.SizeOf<T>();
        for (long offset = 0; offset < total; offset += ChunkBytes)
        {
            var n = (int)Math.Min(ChunkBytes, total - offset);
            await ReadExactlyAsync(stream, buffer, n, ct);
            CopyIn(buffer.AsSpan(0, n), values, offset);
        }
    }

    private static void CopyOut<T>(T[] values, long offset, Span<byte> target)
        where T : unmanaged
    {
        MemoryMarshal.AsBytes(Elements(values, offset, target.Length)).CopyTo(target);
        if (!BitConverter.IsLittleEndian)
        {
            ReverseElements<T>(target);
        }
    }

    private static void CopyIn<T>(ReadOnlySpan<byte> source, T[] values, long offset)
        where T : unmanaged
    {
        var target = MemoryMarshal.AsBytes(Elements(values, offset, source.Length));
        source.CopyTo(target);
        if (!BitConverter.IsLittleEndian)
        {
            ReverseElements<T>(target);
        }
    }

    /// <summary>
    /// The elements that bytes [offset, offset + length) of the array hold; chunks are whole elements.
    /// </summary>
    private static Span<T> Elements<T>(T[] values, long offset, int length)
        where T : unmanaged => values.AsSpan((int)(offset / Unsafe.SizeOf<T>()), length / Unsafe.SizeOf<T>());

    private static void ReverseElements<T>(Span<byte> bytes)
        where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() == 8)
        {
            var longs = MemoryMarshal.Cast<byte, long>(bytes);
            BinaryPrimitives.ReverseEndianness(longs, longs);
        }
        else
        {
            var ints = MemoryMarshal.Cast<byte, int>(bytes);
            BinaryPrimitives.ReverseEndianness(ints, ints);
        }
    }

    private static async Task ReadExactlyAsync(Stream stream, byte[] buffer, int count, CancellationToken ct)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer.AsMemory(0, count), ct);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The dataset content file is truncated.", e);
        }
    }
}
