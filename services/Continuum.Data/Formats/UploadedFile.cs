using Continuum.Data.V1;

namespace Continuum.Data.Formats;

/// <summary>
/// A file received in an upload, already on local disk. <see cref="Index"/> is its position in the upload's
/// <c>files</c>, so that errors can name the field <c>files[Index]</c>.
/// </summary>
public sealed record UploadedFile(int Index, string FileName, Split Split, FileRole Role, string Path)
{
    /// <summary>Opens the file for one pass from start to end.</summary>
    internal FileStream OpenRead() =>
        new(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
}
