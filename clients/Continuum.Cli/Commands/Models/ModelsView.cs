using System.Globalization;
using System.Reflection;
using Continuum.Registry.V1;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Spectre.Console;

namespace Continuum.Cli.Commands.Models;

/// <summary>How models, versions and gate checks read in tables: short, and the same in every command.</summary>
public static class ModelsView
{
    public static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);

    /// <summary>The proto name of an enum value without its type prefix: READY, NEW_DATA_IMPROVEMENT.</summary>
    public static string Enum<T>(T value, string prefix) where T : struct, System.Enum
    {
        var name = typeof(T).GetField(value.ToString())?.GetCustomAttribute<OriginalNameAttribute>()?.Name
            ?? value.ToString();
        return name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name;
    }

    public static string State(ModelVersionState state) => Enum(state, "MODEL_VERSION_STATE_");

    public static string Format(ArtifactFormat format) => Enum(format, "ARTIFACT_FORMAT_");

    public static string Time(Timestamp? time) =>
        time is null ? "-" : time.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture);

    /// <summary>Sizes as people compare them: 812 B, 3.0 KiB, 256.0 MiB.</summary>
    public static string Size(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : value.ToString("F1", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Ratio(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    public static string ShaPrefix(string sha256) => sha256.Length > 12 ? sha256[..12] : sha256;

    /// <summary>A new version in an event line: name, size, digest prefix and parent.</summary>
    public static string Created(Events.V1.ModelVersionCreated e) =>
        $"{e.ModelVersion}  {Size(e.ArtifactSizeBytes)}  sha256 {ShaPrefix(e.ArtifactSha256)}"
        + (e.ParentModelVersion.Length > 0 ? $"  from {e.ParentModelVersion}" : "");

    /// <summary>An alias move in an event line: where it went, whether the gate passed it, who and why.</summary>
    public static string AliasMove(Events.V1.ModelAliasChanged e)
    {
        var move = (e.PreviousModelVersion, e.ModelVersion) switch
        {
            ("", var to) => $"set to {to}",
            (var from, "") => $"deleted (was {from})",
            var (from, to) => $"{from} → {to}",
        };
        var by = e.ChangedBy.Length > 0 ? $" by {e.ChangedBy}" : "";
        var reason = e.Reason.Length > 0 ? $": {e.Reason}" : "";
        return $"{e.Alias} {move}{(e.Gated ? " (gated)" : "")}{by}{reason}";
    }

    /// <summary>The last segment of a resource name: the version number or alias id.</summary>
    public static string Last(string name) => name[(name.LastIndexOf('/') + 1)..];

    public static string Architecture(Architecture? architecture) => architecture?.KindCase switch
    {
        Registry.V1.Architecture.KindOneofCase.Mlp =>
            $"mlp {Sizes(architecture.Mlp.HiddenSizes)}",
        Registry.V1.Architecture.KindOneofCase.Cnn =>
            $"cnn conv {Sizes(architecture.Cnn.ConvChannels)} k{architecture.Cnn.KernelSize} "
            + $"fc {Sizes(architecture.Cnn.FullyConnectedSizes)}",
        _ => "-",
    };

    public static string Aliases(IEnumerable<ModelAlias> aliases) =>
        string.Join(", ", aliases.Select(a => $"{Last(a.Name)}→{Last(a.ModelVersion)}"));

    /// <summary>One row per version, with what people compare versions by.</summary>
    public static Table Versions(IEnumerable<ModelVersion> versions)
    {
        var table = new Table().AddColumns("VERSION", "STATE", "CREATED", "SIZE", "SHA-256", "ALIASES",
            "ARCHITECTURE", "AVG ACC", "FORGETTING");
        foreach (var v in versions)
        {
            table.AddRow(Number(v.VersionNumber), State(v.State), Time(v.CreateTime), Size(v.Artifact?.SizeBytes ?? 0),
                ShaPrefix(v.Artifact?.Sha256 ?? ""), Markup.Escape(string.Join(",", v.Aliases)),
                Markup.Escape(Architecture(v.Architecture)),
                v.Metrics is { } m ? Ratio(m.AverageAccuracy) : "-",
                v.Metrics is { } f ? Ratio(f.Forgetting) : "-");
        }

        return table;
    }

    /// <summary>Every check of a gate evaluation, failed ones in red.</summary>
    public static void WriteEvaluation(IAnsiConsole console, GateEvaluation evaluation)
    {
        var verdict = evaluation.Passed ? "[green]PASSED[/]" : "[red]FAILED[/]";
        var champion = evaluation.ChampionVersion.Length > 0 ? evaluation.ChampionVersion : "(none)";
        console.MarkupLine($"{Markup.Escape(evaluation.CandidateVersion)} against "
            + $"{Markup.Escape(evaluation.Alias)} = {Markup.Escape(champion)}: {verdict}");
        var table = new Table().AddColumns("CHECK", "DATASET", "CANDIDATE", "CHAMPION", "THRESHOLD", "RESULT",
            "REASON");
        foreach (var c in evaluation.Checks)
        {
            table.AddRow(Enum(c.Kind, "GATE_CHECK_KIND_"), Markup.Escape(c.DatasetVersion), Value(c.CandidateValue),
                Value(c.ChampionValue), Value(c.Threshold), c.Passed ? "[green]pass[/]" : "[red]FAIL[/]",
                Markup.Escape(c.Reason));
        }

        console.Write(table);
    }

    private static string Value(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private static string Sizes(IEnumerable<int> sizes) => string.Join("-", sizes);
}
