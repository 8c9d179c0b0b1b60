using Continuum.Data.Content;
using Continuum.Data.V1;

namespace Continuum.Data.Analysis;

/// <summary>
/// The content of derived versions (task slices, replay buffers, merged slices). Each returns new arrays and
/// never touches its sources; examples keep their stored order.
/// </summary>
public static class Derivations
{
    /// <summary>Only the examples whose label is in <paramref name="classes"/>, in every split.</summary>
    public static DatasetContent SelectClasses(DatasetContent source, IReadOnlySet<int> classes)
    {
        ArgumentOutOfRangeException.ThrowIfZero(classes.Count);
        return new DatasetContent(
            source.InputShape,
            source.Splits.Select(s => Take(s, source.FeatureCount, Shuffle.Indices(s, classes, false, 0))));
    }

    /// <summary>
    /// A seeded sample of the listed splits (train only when <paramref name="splits"/> is empty); the other splits
    /// are left out. Exactly one of the sizes is set. Per class: min(N, available) of every class. Total: N
    /// examples (all when the split has fewer) spread over the classes as evenly as their counts allow, which is
    /// what a replay buffer wants; classes that get one example more than others are chosen by the seed. Total and
    /// <paramref name="uniform"/>: N examples drawn with equal chances whatever their class, as a reservoir draws.
    /// </summary>
    /// <exception cref="DataValidationException">Field <c>sample.splits</c>: the source lacks a listed split.
    /// </exception>
    public static DatasetContent Sample(
        DatasetContent source, int? examplesPerClass, int? totalExamples, long seed, IReadOnlySet<Split> splits,
        bool uniform = false)
    {
        if (examplesPerClass.HasValue == totalExamples.HasValue || (examplesPerClass ?? totalExamples) <= 0)
        {
            throw new ArgumentException("Exactly one of the sizes must be set, and positive.");
        }

        var chosen = splits.Count == 0 ? new HashSet<Split> { Split.Train } : splits;
        var sampled = new List<SplitExamples>();
        foreach (var split in chosen)
        {
            var examples = source.Get(split)
                ?? throw new DataValidationException("sample.splits", $"The source version has no {split} split.");

            // One generator per split, keyed by the split's number, so a split's sample does not depend on
            // which other splits were listed.
            var random = new SeededRandom(seed ^ ((long)split << 56));
            if (uniform && totalExamples is { } count)
            {
                var all = Enumerable.Range(0, examples.Count).ToArray();
                var drawn = Choose(all, Math.Min(count, all.Length), random).ToArray();
                Array.Sort(drawn);
                sampled.Add(Take(examples, source.FeatureCount, drawn));
                continue;
            }

            var byClass = examples.Labels.Select((label, index) => (label, index))
                .GroupBy(e => e.label, e => e.index)
                .OrderBy(g => g.Key)
                .Select(g => g.ToArray())
                .ToList();
            var quotas = examplesPerClass is { } perClass
                ? byClass.Select(c => Math.Min(perClass, c.Length)).ToArray()
                : BalancedQuotas(byClass.Select(c => c.Length).ToArray(), totalExamples!.Value, random);

            var indices = new List<int>();
            for (var c = 0; c < byClass.Count; c++)
            {
                indices.AddRange(Choose(byClass[c], quotas[c], random));
            }

            indices.Sort();
            sampled.Add(Take(examples, source.FeatureCount, indices.ToArray()));
        }

        return new DatasetContent(source.InputShape, sampled);
    }

    /// <summary>Every example of every source, per split, in source order.</summary>
    /// <exception cref="DataValidationException">Field <c>union_of.source_versions</c>: input shapes differ.
    /// </exception>
    public static DatasetContent Union(IReadOnlyList<DatasetContent> sources)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sources.Count);
        var shape = sources[0].InputShape;
        for (var i = 1; i < sources.Count; i++)
        {
            if (!sources[i].InputShape.SequenceEqual(shape))
            {
                throw new DataValidationException(
                    "union_of.source_versions",
                    $"Source {i} has input shape [{string.Join(", ", sources[i].InputShape)}], "
                    + $"source 0 has [{string.Join(", ", shape)}]; a union needs one shape.");
            }
        }

        var splits = sources.SelectMany(s => s.Splits).GroupBy(s => s.Split).Select(group =>
        {
            var parts = group.ToList();
            var labels = new long[parts.Sum(p => p.Count)];
            var features = new float[parts.Sum(p => (long)p.Features.Length)];
            int labelOffset = 0, featureOffset = 0;
            foreach (var part in parts)
            {
                part.Labels.CopyTo(labels, labelOffset);
                part.Features.CopyTo(features, featureOffset);
                labelOffset += part.Count;
                featureOffset += part.Features.Length;
            }

            return new SplitExamples(group.Key, labels, features);
        });
        return new DatasetContent(shape, splits.ToList());
    }

    /// <summary>
    /// Splits <paramref name="total"/> over classes of the given sizes: equal shares, capped at each class's size,
    /// the rest of a capped class passed on to the others; the last few left over go to classes the seed picks.
    /// </summary>
    private static int[] BalancedQuotas(int[] available, int total, SeededRandom random)
    {
        var quotas = new int[available.Length];
        var remaining = (int)Math.Min(total, available.Sum(a => (long)a));
        var open = Enumerable.Range(0, available.Length).Where(c => available[c] > 0).ToList();
        while (remaining > 0)
        {
            var share = remaining / open.Count;
            if (share == 0)
            {
                // Fewer left than open classes: give one each to `remaining` classes in a seeded order.
                foreach (var k in Shuffle.PermutationWith(open.Count, random).Take(remaining))
                {
                    quotas[open[k]]++;
                }

                break;
            }

            foreach (var c in open)
            {
                var give = Math.Min(share, available[c] - quotas[c]);
                quotas[c] += give;
                remaining -= give;
            }

            open.RemoveAll(c => quotas[c] == available[c]);
        }

        return quotas;
    }

    /// <summary>A seeded choice of <paramref name="count"/> items: the head of a partial Fisher–Yates.</summary>
    private static IEnumerable<int> Choose(int[] items, int count, SeededRandom random)
    {
        var pool = (int[])items.Clone();
        for (var i = 0; i < count; i++)
        {
            var j = i + (int)random.NextBelow((ulong)(pool.Length - i));
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }

        return pool.Take(count);
    }

    private static SplitExamples Take(SplitExamples split, int featureCount, int[] indices)
    {
        var labels = new long[indices.Length];
        var features = new float[(long)indices.Length * featureCount];
        for (var k = 0; k < indices.Length; k++)
        {
            labels[k] = split.Labels[indices[k]];
            split.Row(indices[k], featureCount).CopyTo(features.AsSpan(k * featureCount, featureCount));
        }

        return new SplitExamples(split.Split, labels, features);
    }
}
