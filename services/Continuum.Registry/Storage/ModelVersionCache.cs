using System.Collections.Concurrent;
using Continuum.Registry.V1;

namespace Continuum.Registry.Storage;

/// <summary>
/// Stored version JSON already parsed, by version: parsing is most of the cost of reading a version, and a
/// version's JSON never changes once it is created. An entry is used only while the row read with it carries the
/// very JSON it was parsed from, so a stale entry (a model deleted and created again numbers its versions anew)
/// is never answered, only replaced. Deleting a version evicts it; beyond its capacity the cache drops an entry
/// for each one it adds.
/// </summary>
public sealed class ModelVersionCache(int capacity)
{
    private readonly ConcurrentDictionary<(string Model, long Version), Entry> entries = new();

    /// <summary>The message stored in <paramref name="row"/>, a copy of its own that the caller may change.</summary>
    public ModelVersion Get(ModelVersionRow row, Func<string, ModelVersion> parse)
    {
        var key = (row.Model, row.Version);
        if (entries.TryGetValue(key, out var entry)
            && string.Equals(entry.Json, row.VersionJson, StringComparison.Ordinal))
        {
            return entry.Version.Clone();
        }

        var parsed = parse(row.VersionJson);
        if (!entries.ContainsKey(key) && entries.Count >= capacity)
        {
            // Whichever comes first: any choice keeps it bounded, and a dropped entry is only parsed again.
            foreach (var victim in entries)
            {
                entries.TryRemove(victim.Key, out _);
                break;
            }
        }

        entries[key] = new Entry(row.VersionJson, parsed);
        return parsed.Clone();
    }

    public void Evict(string model, long version) => entries.TryRemove((model, version), out _);

    public void EvictModel(string model)
    {
        foreach (var key in entries.Keys.Where(k => k.Model == model))
        {
            entries.TryRemove(key, out _);
        }
    }

    public int Count => entries.Count;

    private sealed record Entry(string Json, ModelVersion Version);
}
