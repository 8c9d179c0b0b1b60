using Continuum.Registry.Storage;
using Continuum.Registry.V1;
using Google.Protobuf;

namespace Continuum.Tests.Registry;

public sealed class ModelVersionCacheTests
{
    [Fact]
    public void Get_SameJsonAgain_ParsesOnceAndHandsOutCopies()
    {
        var cache = new ModelVersionCache(capacity: 8);
        var parses = 0;
        var row = Row("digits", 1, "first");

        var a = cache.Get(row, json => Parse(json, ref parses));
        a.Aliases.Add("prod");
        var b = cache.Get(row, json => Parse(json, ref parses));

        Assert.Equal(1, parses);
        Assert.Empty(b.Aliases);
        Assert.Equal("first", b.Description);
    }

    [Fact]
    public void Get_OtherJsonForTheSameVersion_ParsesTheNewJson()
    {
        var cache = new ModelVersionCache(capacity: 8);
        var parses = 0;
        cache.Get(Row("digits", 1, "old"), json => Parse(json, ref parses));

        var fresh = cache.Get(Row("digits", 1, "new"), json => Parse(json, ref parses));

        Assert.Equal("new", fresh.Description);
        Assert.Equal(2, parses);
    }

    [Fact]
    public void Get_MoreVersionsThanCapacity_StaysWithinIt()
    {
        var cache = new ModelVersionCache(capacity: 3);
        var parses = 0;

        for (var n = 1; n <= 10; n++)
        {
            cache.Get(Row("digits", n, $"v{n}"), json => Parse(json, ref parses));
        }

        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public void Evict_VersionAndModel_RemoveTheirEntries()
    {
        var cache = new ModelVersionCache(capacity: 8);
        var parses = 0;
        cache.Get(Row("digits", 1, "a"), json => Parse(json, ref parses));
        cache.Get(Row("digits", 2, "b"), json => Parse(json, ref parses));
        cache.Get(Row("letters", 1, "c"), json => Parse(json, ref parses));

        cache.Evict("digits", 1);
        var afterVersion = cache.Count;
        cache.EvictModel("digits");

        Assert.Equal(2, afterVersion);
        Assert.Equal(1, cache.Count);
    }

    private static ModelVersionRow Row(string model, long version, string description) => new()
    {
        Model = model,
        Version = version,
        VersionJson = JsonFormatter.Default.Format(new ModelVersion { Description = description }),
    };

    private static ModelVersion Parse(string json, ref int parses)
    {
        parses++;
        return JsonParser.Default.Parse<ModelVersion>(json);
    }
}
