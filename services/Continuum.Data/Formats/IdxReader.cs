using System.Buffers.Binary;
using System.IO.Compression;

namespace Continuum.Data.Formats;

/// <summary>
/// Reads one IDX file front to back, gzipped or not, keeping the byte offset (into the decompressed data for
/// gzip) so that every error can say where the file went wrong.
/// </summary>
internal sealed class IdxReader : IDisposable
{
    private const int ChunkBytes = 1 << 20;

    private readonly UploadedFile file;
    private readonly Stream stream;
    private readonly bool gzipped;

    private IdxReader(UploadedFile file, Stream stream, bool gzipped)
    {
        this.file = file;
        this.stream = stream;
        this.gzipped = gzipped;
    }

    public long Position { get; private set; }

    /// <summary>Opens the file; gzip is told by its magic bytes 1f 8b, whatever the file is called.</summary>
    public static IdxReader Open(UploadedFile file)
    {
        var raw = file.OpenRead();
        Span<byte> magic = stackalloc byte[2];
        var gzipped = raw.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        raw.Position = 0;
        return new IdxReader(file, gzipped ? new GZipStream(raw, CompressionMode.Decompress) : raw, gzipped);
    }

    /// <summary>Reads the magic number and the dimensions that follow it.</summary>
    public uint[] ReadHeader(uint magic, string kind, int dimensions)
    {
        Span<byte> header = stackalloc byte[4 + 4 * dimensions];
        var got = Read(header);
        if (got < 4)
        {
            throw Invalid.File(file, $"ends at {At(got)}; an IDX header needs {header.Length} bytes.");
        }

        var found = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (found != magic)
        {
            throw Invalid.File(file,
                $"the magic number at byte offset 0 is 0x{found:x8}; {kind} starts with 0x{magic:x8}.");
        }

        if (got < header.Length)
        {
            throw Invalid.File(file, $"ends at {At(got)}; its IDX header needs {header.Length} bytes.");
        }

        var dims = new uint[dimensions];
        for (var i = 0; i < dimensions; i++)
        {
            dims[i] = BinaryPrimitives.ReadUInt32BigEndian(header[(4 + 4 * i)..]);
        }

        return dims;
    }

    /// <summary>
    /// Reads <paramref name="rows"/> rows of <paramref name="rowBytes"/> bytes, in chunks of whole rows, and checks
    /// that the file ends right after them. Chunks rather than one array: a header can promise more than the
    /// file holds, and memory should follow what arrived.
    /// </summary>
    public List<byte[]> ReadPayload(long rows, int rowBytes, string promise, CancellationToken ct)
    {
        var end = Position + rows * rowBytes;
        var chunkRows = Math.Max(1, ChunkBytes / rowBytes);
        var chunks = new List<byte[]>();
        for (var left = rows; left > 0; left -= chunkRows)
        {
            ct.ThrowIfCancellationRequested();
            var chunk = GC.AllocateUninitializedArray<byte>((int)Math.Min(left, chunkRows) * rowBytes);
            if (Read(chunk) < chunk.Length)
            {
                throw Invalid.File(file, $"is truncated: it ends at {At(Position)}, but the header promises {promise}, "
                    + $"{end} bytes in all.");
            }

            chunks.Add(chunk);
        }

        var extra = 0L;
        var probe = new byte[64 * 1024];
        for (int got; (got = Read(probe)) > 0;)
        {
            ct.ThrowIfCancellationRequested();
            extra += got;
        }

        if (extra > 0)
        {
            throw Invalid.File(file, $"has {extra} extra bytes from {At(end)}; the header promises {promise}, "
                + $"{end} bytes in all.");
        }

        return chunks;
    }

    public void Dispose() => stream.Dispose();

    private string At(long offset) =>
        gzipped ? $"byte offset {offset} of the decompressed data" : $"byte offset {offset}";

    private int Read(Span<byte> buffer)
    {
        try
        {
            var got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            Position += got;
            return got;
        }
        catch (InvalidDataException e)
        {
            throw Invalid.File(file, $"is not valid gzip data (it fails after {At(Position)}): {e.Message}");
        }
    }
}
