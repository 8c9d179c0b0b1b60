using System.Security.Cryptography;
using System.Text;
using Continuum.ServiceDefaults.Blobs;
using Continuum.Tests.Infrastructure;

namespace Continuum.Tests.Blobs;

public sealed class LocalBlobStoreTests : IDisposable
{
    private readonly string root = TestEnvironment.NewTempDir();

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task PutAsync_NewContent_StoresUnderItsSha256()
    {
        var store = new LocalBlobStore(root);
        var bytes = Encoding.UTF8.GetBytes("the quick brown fox");

        var info = await store.PutAsync(new MemoryStream(bytes)).WaitAsync(TestEnvironment.Timeout);

        // SHA-256 of "the quick brown fox", as sha256sum prints it.
        Assert.Equal("9ecb36561341d18eb65484e833efea61edc74b84cf5e6ae1b81c63533e25fc8f", info.Sha256);
        Assert.Equal(bytes.Length, info.Size);
        await using var read = await store.OpenReadAsync(info.Sha256);
        using var copy = new MemoryStream();
        await read.CopyToAsync(copy).WaitAsync(TestEnvironment.Timeout);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task PutAsync_DigestMismatch_ThrowsAndLeavesNoFile()
    {
        var store = new LocalBlobStore(root);
        var wrong = Convert.ToHexStringLower(SHA256.HashData("something else"u8));

        await Assert.ThrowsAsync<BlobMismatchException>(
            () => store.PutAsync(new MemoryStream("payload"u8.ToArray()), wrong).WaitAsync(TestEnvironment.Timeout));

        Assert.Empty(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task PutAsync_SizeMismatch_ThrowsAndLeavesNoFile()
    {
        var store = new LocalBlobStore(root);

        await Assert.ThrowsAsync<BlobMismatchException>(
            () => store.PutAsync(new MemoryStream("payload"u8.ToArray()), expectedSize: 8)
                .WaitAsync(TestEnvironment.Timeout));

        Assert.Empty(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task PutAsync_StreamFailsMidway_LeavesNoFile()
    {
        var store = new LocalBlobStore(root);

        await Assert.ThrowsAsync<IOException>(
            () => store.PutAsync(new FailingStream(bytesBeforeFailure: 3 << 20)).WaitAsync(TestEnvironment.Timeout));

        Assert.Empty(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task PutAsync_SameContentConcurrently_StoresOneBlob()
    {
        var store = new LocalBlobStore(root);
        var bytes = RandomNumberGenerator.GetBytes(4 << 20);

        var infos = await Task.WhenAll(Enumerable.Range(0, 8)
            .Select(_ => Task.Run(() => store.PutAsync(new MemoryStream(bytes))))).WaitAsync(TestEnvironment.Timeout);

        Assert.Single(infos.Select(i => i.Sha256).Distinct());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), infos[0].Sha256);
        Assert.Single(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("../../../etc/passwd")]
    [InlineData("..")]
    [InlineData("9ECB36561341D18EB65484E833EFEA61EDC74B84CF5E6AE1B81C63533E25FC8F")]
    [InlineData("9ecb36561341d18eb65484e833efea61edc74b84cf5e6ae1b81c63533e25fc8")]
    [InlineData("/9ecb36561341d18eb65484e833efea61edc74b84cf5e6ae1b81c63533e25fc")]
    public async Task OpenReadAsync_NotAnAddress_RefusedBeforeTouchingDisk(string address)
    {
        var store = new LocalBlobStore(root);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync(address));

        Assert.Equal("sha256", error.ParamName);
    }

    [Fact]
    public async Task OpenReadAsync_Missing_ThrowsNotFoundNamingTheBlob()
    {
        var store = new LocalBlobStore(root);
        var missing = new string('a', 64);

        var error = await Assert.ThrowsAsync<BlobNotFoundException>(() => store.OpenReadAsync(missing));

        Assert.Equal(missing, error.Sha256);
    }

    /// <summary>Gives some bytes, then fails like a dropped connection.</summary>
    private sealed class FailingStream(long bytesBeforeFailure) : Stream
    {
        private long position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (position >= bytesBeforeFailure)
            {
                throw new IOException("connection reset");
            }

            var n = (int)Math.Min(count, bytesBeforeFailure - position);
            Array.Fill(buffer, (byte)7, offset, n);
            position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
