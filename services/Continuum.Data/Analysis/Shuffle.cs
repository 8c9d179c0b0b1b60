using System.Numerics;
using Continuum.Data.Content;

namespace Continuum.Data.Analysis;

/// <summary>
/// The epoch order of ReadBatches. It is a documented contract, so that a client in any language can reproduce
/// the order of a seed; System.Random is not used because its algorithm is not one.
/// </summary>
/// <remarks>
/// <para><b>Permutation(count, seed)</b>, all arithmetic on unsigned 64-bit integers modulo 2^64:</para>
/// <list type="number">
/// <item>Generator: xoshiro256** (Blackman and Vigna), see <see cref="SeededRandom"/>, whose four state words
/// are the first four outputs of SplitMix64 started at <c>seed</c> (a negative seed taken as its two's
/// complement).</item>
/// <item>Bounded draw <c>uniform(bound)</c>: <c>t = 2^64 mod bound</c>; draw <c>r = next()</c> until
/// <c>r &gt;= t</c>; answer <c>r mod bound</c> (rejection makes it exactly uniform).</item>
/// <item>Fisher–Yates: <c>p = [0, 1, ..., count - 1]</c>; for <c>i</c> from <c>count - 1</c> down to 1:
/// <c>j = uniform(i + 1)</c>, swap <c>p[i]</c> and <c>p[j]</c>.</item>
/// </list>
/// <para>A Python client needs about twenty lines: SplitMix64 and xoshiro256** masked to 64 bits, then the loop.</para>
/// </remarks>
public static class Shuffle
{
    /// <summary>A permutation of 0..count-1, the same for the same seed on every platform.</summary>
    public static int[] Permutation(int count, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return PermutationWith(count, new SeededRandom(seed));
    }

    /// <summary>Fisher–Yates driven by a generator the caller goes on using (seeded sampling).</summary>
    internal static int[] PermutationWith(int count, SeededRandom random)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        for (var i = count - 1; i > 0; i--)
        {
            var j = (int)random.NextBelow((ulong)i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    /// <summary>
    /// The example indices of one epoch: those whose label is in <paramref name="classes"/> (all when null or
    /// empty), each exactly once, in stored order or, when <paramref name="shuffle"/>, in the order of
    /// <c>Permutation(selected count, seed)</c> applied to the selected indices in stored order.
    /// </summary>
    public static int[] Indices(SplitExamples split, IReadOnlySet<int>? classes, bool shuffle, long seed)
    {
        var labels = split.Labels;
        int[] selected;
        if (classes is null || classes.Count == 0)
        {
            selected = new int[labels.Length];
            for (var i = 0; i < selected.Length; i++)
            {
                selected[i] = i;
            }
        }
        else
        {
            var kept = new List<int>();
            for (var i = 0; i < labels.Length; i++)
            {
                if ((ulong)labels[i] <= int.MaxValue && classes.Contains((int)labels[i]))
                {
                    kept.Add(i);
                }
            }

            selected = kept.ToArray();
        }

        if (!shuffle)
        {
            return selected;
        }

        var order = Permutation(selected.Length, seed);
        var result = new int[selected.Length];
        for (var k = 0; k < result.Length; k++)
        {
            result[k] = selected[order[k]];
        }

        return result;
    }
}

/// <summary>xoshiro256** seeded by SplitMix64: small, fast, specified exactly (see <see cref="Shuffle"/>).</summary>
public sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SeededRandom(long seed)
    {
        // SplitMix64 spreads any seed, 0 included, over all four words; xoshiro must not start all-zero.
        var x = unchecked((ulong)seed);
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, bound): rejection below 2^64 mod bound, then the remainder.</summary>
    public ulong NextBelow(ulong bound)
    {
        ArgumentOutOfRangeException.ThrowIfZero(bound);
        var threshold = unchecked(0UL - bound) % bound;
        ulong r;
        do
        {
            r = NextUInt64();
        }
        while (r < threshold);

        return r % bound;
    }

    private static ulong SplitMix64(ref ulong x)
    {
        unchecked
        {
            x += 0x9E3779B97F4A7C15UL;
            var z = x;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
