using System.Numerics;
using System.Runtime.InteropServices;
using Continuum.Data.V1;

namespace Continuum.Data.Analysis;

/// <summary>
/// Count, sum, min and max of a split's input values. The histogram needs the range of both splits before it can
/// bin, so the comparison scans each split twice: <see cref="Of"/>, then <see cref="Histogram"/>, which also takes
/// the second moment. Both passes are vectorised and accumulate in double: Fashion-MNIST's train split alone is
/// 47 million values. Partial sums are added lane by lane, so the last bits of the mean may differ between CPUs
/// of different vector widths; the comparison is a report, not an identity, so that is harmless.
/// </summary>
internal readonly record struct ValueScan(long Count, double Sum, double Min, double Max)
{
    public static ValueScan Of(float[] values)
    {
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values.AsSpan());
        var min = new Vector<float>(float.PositiveInfinity);
        var max = new Vector<float>(float.NegativeInfinity);
        Vector<double> sumLow = Vector<double>.Zero, sumHigh = Vector<double>.Zero;
        foreach (var v in vectors)
        {
            min = Vector.Min(min, v);
            max = Vector.Max(max, v);
            Vector.Widen(v, out var low, out var high);
            sumLow += low;
            sumHigh += high;
        }

        var sum = Vector.Sum(sumLow) + Vector.Sum(sumHigh);
        float smallest = float.PositiveInfinity, largest = float.NegativeInfinity;
        for (var k = 0; k < Vector<float>.Count; k++)
        {
            smallest = Math.Min(smallest, min[k]);
            largest = Math.Max(largest, max[k]);
        }

        for (var i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
        {
            sum += values[i];
            smallest = Math.Min(smallest, values[i]);
            largest = Math.Max(largest, values[i]);
        }

        return new ValueScan(values.Length, sum, smallest, largest);
    }

    /// <summary>
    /// Counts the values into <paramref name="bins"/> equal-width bins over [low, high]: value x goes to bin
    /// floor((x - low) * scale), scale = bins / (high - low), and the maximum, on the upper edge, to the last bin.
    /// It is computed in float32, eight lanes at a time (a double cannot become an index in a vector on most
    /// CPUs); a range too wide or too narrow for float32 is computed in double, one value at a time.
    /// </summary>
    public long[] Histogram(float[] values, double low, double high, int bins, out InputStatistics statistics)
    {
        // Four interleaved copies of the counters: long runs of one value (black pixels) would otherwise make
        // every increment wait for the previous one to the same counter. Each copy has one spare slot for values
        // on the upper edge, folded into the last bin at the end.
        const int Copies = 4;
        var stride = bins + 1;
        var counts = new long[Copies * stride];
        var mean = Count == 0 ? 0 : Sum / Count;
        var scale = high > low ? (float)(bins / (high - low)) : 0f;
        var lowF = (float)low;

        Vector<float> lowV = new(lowF), scaleV = new(scale);
        Vector<double> meanV = new(mean), squares = Vector<double>.Zero;
        Span<int> slots = stackalloc int[Vector<int>.Count * Copies];
        var vectors = MemoryMarshal.Cast<float, Vector<float>>(values.AsSpan());
        var vectorised = float.IsFinite((float)(high - low)) && float.IsFinite(scale);
        var i = 0;
        for (; vectorised && i + Copies <= vectors.Length; i += Copies)
        {
            // Indices of Copies vectors go to a small buffer; plain loads from it are cheaper than lane extraction.
            for (var c = 0; c < Copies; c++)
            {
                var v = vectors[i + c];
                Vector.Widen(v, out var first, out var second);
                (first, second) = (first - meanV, second - meanV);
                squares += first * first + second * second;
                Vector.ConvertToInt32((v - lowV) * scaleV).CopyTo(slots[(c * Vector<int>.Count)..]);
            }

            for (var k = 0; k < slots.Length; k += Copies)
            {
                counts[slots[k]]++;
                counts[stride + slots[k + 1]]++;
                counts[2 * stride + slots[k + 2]]++;
                counts[3 * stride + slots[k + 3]]++;
            }
        }

        var squareSum = Vector.Sum(squares);
        for (var j = i * Vector<float>.Count; j < values.Length; j++)
        {
            squareSum += (values[j] - mean) * (values[j] - mean);
            counts[vectorised
                ? (int)((values[j] - lowF) * scale)
                : (int)Math.Min((values[j] - low) * (bins / (high - low)), bins)]++;
        }

        var histogram = new long[bins];
        for (var copy = 0; copy < Copies; copy++)
        {
            for (var b = 0; b < stride; b++)
            {
                histogram[Math.Min(b, bins - 1)] += counts[copy * stride + b];
            }
        }

        // Population standard deviation: the split is the whole population being described.
        statistics = Count == 0
            ? new InputStatistics()
            : new InputStatistics { Mean = mean, Stddev = Math.Sqrt(squareSum / Count), Min = Min, Max = Max };
        return histogram;
    }
}
