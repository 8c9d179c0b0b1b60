namespace Continuum.Ml.Continual;

/// <summary>
/// The arithmetic of experience replay, apart from any tensor: how a fixed-size memory of past examples is
/// refreshed after a task, and how many remembered examples go into each training batch.
/// </summary>
public static class ReplayPlan
{
    /// <summary>
    /// How many places of the refreshed memory go to the new task's examples, for an exact reservoir: the memory
    /// after the task must be a uniform sample of <paramref name="capacity"/> examples among all
    /// <paramref name="seenBefore"/> + <paramref name="newCount"/> seen so far, given that the memory before it
    /// was a uniform sample of min(capacity, seenBefore) of the old ones.
    /// </summary>
    /// <returns>
    /// <paramref name="newCount"/> when everything seen fits; otherwise a hypergeometric draw (population
    /// seenBefore + newCount, of which newCount are new, capacity drawn), so the count has exactly the
    /// distribution that sampling the memory afresh from everything would give. The remaining places keep a
    /// uniform subset of the old memory, and the new places take a uniform subset of the new examples.
    /// </returns>
    /// <param name="seed">The same seed gives the same count, on any machine and .NET version.</param>
    public static int NewExamplesInReservoir(long seenBefore, long newCount, int capacity, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seenBefore);
        ArgumentOutOfRangeException.ThrowIfNegative(newCount);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        var population = checked(seenBefore + newCount);
        if (population <= capacity)
        {
            return (int)newCount;
        }

        // Draw the memory's places one by one without replacement, each time picking a new example with the
        // chance that the examples left unpicked give it. Exact for any sizes, and capacity steps at most.
        var random = new SplitMix64(seed);
        var newLeft = newCount;
        var left = population;
        var picked = 0;
        for (var draw = 0; draw < capacity && newLeft > 0; draw++)
        {
            if (newLeft == left || random.NextBelow(left) < newLeft)
            {
                picked++;
                newLeft--;
            }

            left--;
        }

        return picked;
    }

    /// <summary>
    /// How many remembered examples to add to a batch of <paramref name="batchSize"/> new ones so that they make
    /// <paramref name="batchFraction"/> of the mixed batch: round(batchSize * f / (1 - f)), at least 1.
    /// </summary>
    /// <param name="batchFraction">In (0, 1); 0 means the default, an even mix (0.5).</param>
    public static int ReplayExamplesPerBatch(int batchSize, double batchFraction)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var fraction = batchFraction == 0 ? 0.5 : batchFraction;
        if (double.IsNaN(fraction) || fraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchFraction), batchFraction,
                "The replay fraction of a batch lies in (0, 1), or is 0 for the default 0.5.");
        }

        var count = Math.Round(batchSize * fraction / (1 - fraction), MidpointRounding.AwayFromZero);
        return (int)Math.Clamp(count, 1, int.MaxValue);
    }

    /// <summary>
    /// A small generator whose stream is fixed by its definition (Steele, Lea and Flood 2014), unlike
    /// <see cref="Random"/>, whose seeded sequence .NET does not promise to keep between versions: a memory
    /// refreshed again after a restart must get the same count.
    /// </summary>
    private struct SplitMix64(long seed)
    {
        private ulong _state = unchecked((ulong)seed);

        /// <summary>A uniform integer in [0, bound), without modulo bias.</summary>
        public long NextBelow(long bound)
        {
            var limit = (ulong)bound;
            // The largest multiple of the bound that fits: values at or above it would favour small results.
            var usable = ulong.MaxValue - ulong.MaxValue % limit;
            ulong value;
            do
            {
                value = Next();
            }
            while (value >= usable);

            return (long)(value % limit);
        }

        private ulong Next()
        {
            unchecked
            {
                _state += 0x9E3779B97F4A7C15;
                var z = _state;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
                return z ^ (z >> 31);
            }
        }
    }
}
