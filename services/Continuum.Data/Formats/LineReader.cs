namespace Continuum.Data.Formats;

/// <summary>
/// Splits a stream into lines of UTF-8 bytes without decoding them to strings. A line ends at LF, and a CR
/// before it is dropped; the text after the last LF is a line only when it is not empty, so a file may end
/// with a newline or not. A UTF-8 byte-order mark at the start is skipped.
/// </summary>
internal sealed class LineReader(Stream stream) : IDisposable
{
    private byte[] buffer = new byte[1 << 20];
    private int start;
    private int scanned;
    private int end;
    private bool atEnd;

    /// <summary>The 1-based number of the line last returned.</summary>
    public int LineNumber { get; private set; }

    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            var newline = buffer.AsSpan(scanned, end - scanned).IndexOf((byte)'\n');
            if (newline >= 0 || (atEnd && start < end))
            {
                var length = newline >= 0 ? scanned + newline - start : end - start;
                line = buffer.AsSpan(start, length);
                start = scanned = start + length + (newline >= 0 ? 1 : 0);
                if (line.EndsWith((byte)'\r'))
                {
                    line = line[..^1];
                }

                if (LineNumber++ == 0 && line.StartsWith("\uFEFF"u8))
                {
                    line = line[3..];
                }

                return true;
            }

            if (atEnd)
            {
                line = default;
                return false;
            }

            Refill();
        }
    }

    public void Dispose() => stream.Dispose();

    private void Refill()
    {
        scanned = end;
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            (end, scanned, start) = (end - start, scanned - start, 0);
        }

        if (end == buffer.Length)
        {
            Array.Resize(ref buffer, checked(buffer.Length * 2));
        }

        var got = stream.Read(buffer, end, buffer.Length - end);
        atEnd = got == 0;
        end += got;
    }
}
