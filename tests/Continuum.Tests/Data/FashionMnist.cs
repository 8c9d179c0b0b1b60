namespace Continuum.Tests.Data;

/// <summary>
/// The real Fashion-MNIST files (Debian package dataset-fashion-mnist, installed by test.sh) and small IDX
/// files cut from them, written the way the canonical files are: big-endian header, then one byte a value.
/// </summary>
public static class FashionMnist
{
    public const string Dir = "/usr/share/datasets/fashion-mnist";
    public static readonly string TrainImages = Path.Combine(Dir, "train-images-idx3-ubyte.gz");
    public static readonly string TrainLabels = Path.Combine(Dir, "train-labels-idx1-ubyte.gz");
    public static readonly string TestImages = Path.Combine(Dir, "t10k-images-idx3-ubyte.gz");
    public static readonly string TestLabels = Path.Combine(Dir, "t10k-labels-idx1-ubyte.gz");

    public const int Pixels = 28 * 28;

    /// <summary>The first <paramref name="count"/> examples of a split: pixels (count x 784) and labels.</summary>
    public static (byte[] Images, byte[] Labels) ReadSlice(string images, string labels, int count)
    {
        var pixels = Gunzip(images).AsSpan(16, count * Pixels).ToArray();
        var classes = Gunzip(labels).AsSpan(8, count).ToArray();
        return (pixels, classes);
    }

    public static byte[] Gunzip(string path) => Formats.DataFiles.Gunzip(path);

    public static byte[] IdxImages(byte[] pixels) => Formats.DataFiles.Idx3(pixels.Length / Pixels, 28, 28, pixels);

    public static byte[] IdxLabels(byte[] labels) => Formats.DataFiles.Idx1(labels.Length, labels);
}
