using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Grpc.Core;

namespace Continuum.Registry.Artifacts;

/// <summary>
/// The chunk messages of a CreateModelVersion stream read as one byte stream, so the blob store can hash and
/// write them without a copy on disk in between. A broken rule ends the read with InvalidArgument, which makes
/// the blob store drop what it had written.
/// </summary>
internal sealed class ChunkStream(IAsyncStreamReader<CreateModelVersionRequest> requests, long declaredSize)
    : Stream
{
    public const int MaxChunkBytes = 1 << 20;

    private ReadOnlyMemory<byte> pending;

    /// <summary>Bytes received so far.</summary>
    public long Received { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Received; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (pending.IsEmpty)
        {
            if (!await requests.MoveNext(cancellationToken))
            {
                return 0;
            }

            pending = NextChunk(requests.Current);
        }

        var count = Math.Min(buffer.Length, pending.Length);
        pending[..count].CopyTo(buffer);
        pending = pending[count..];
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("An upload is read asynchronously.");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private ReadOnlyMemory<byte> NextChunk(CreateModelVersionRequest request)
    {
        if (request.PayloadCase != CreateModelVersionRequest.PayloadOneofCase.Chunk)
        {
            RpcErrors.ThrowInvalidArgument("metadata",
                "only the first message may carry metadata; the rest are chunks.");
        }

        var data = request.Chunk.Memory;
        if (data.Length > MaxChunkBytes)
        {
            RpcErrors.ThrowInvalidArgument("chunk", $"a chunk holds at most {MaxChunkBytes} bytes, got {data.Length}.");
        }

        Received += data.Length;
        if (Received > declaredSize)
        {
            // Stop at once rather than store a file that can only be refused.
            RpcErrors.ThrowInvalidArgument("metadata.artifact_size_bytes",
                $"announced {declaredSize} bytes but more arrived.");
        }

        return data;
    }
}
