using System.Globalization;
using Continuum.Registry.V1;
using Spectre.Console;

namespace Continuum.Cli.Commands.Models;

/// <summary><c>models show</c> for people: one field a row, then the evaluations, then where it came from.</summary>
public static class ShowView
{
    public static void Write(IAnsiConsole console, ModelVersion v)
    {
        var table = new Table().HideHeaders().AddColumns("", "");
        void Row(string key, string value)
        {
            if (value.Length > 0)
            {
                table.AddRow(key, Markup.Escape(value));
            }
        }

        Row("name", v.Name);
        Row("state", ModelsView.State(v.State));
        Row("created", $"{ModelsView.Time(v.CreateTime)}{(v.CreatedBy.Length > 0 ? $" by {v.CreatedBy}" : "")}");
        Row("aliases", string.Join(", ", v.Aliases));
        Row("architecture", ModelsView.Architecture(v.Architecture));
        Row("input", string.Join("x", v.InputShape));
        Row("classes", v.ClassNames.Count > 0
            ? $"{v.ClassCount} ({string.Join(", ", v.ClassNames)})"
            : ModelsView.Number(v.ClassCount));
        // The proto defines unspecified as float32, which is what every uncompressed version has.
        Row("weights", v.WeightEncoding == WeightEncoding.Unspecified
            ? "FLOAT32"
            : ModelsView.Enum(v.WeightEncoding, "WEIGHT_ENCODING_"));
        if (v.Artifact is { } a)
        {
            Row("artifact", $"{ModelsView.Format(a.Format)}, {ModelsView.Size(a.SizeBytes)} "
                + $"({a.SizeBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes)");
            Row("sha256", a.Sha256);
        }

        Row("description", v.Description);
        Row("tags", Pairs(v.Tags));
        Row("hyperparameters", Pairs(v.Hyperparameters));
        if (v.Metrics is { } m)
        {
            Row("average accuracy", ModelsView.Ratio(m.AverageAccuracy));
            Row("forgetting", ModelsView.Ratio(m.Forgetting));
            Row("backward transfer", ModelsView.Ratio(m.BackwardTransfer));
            Row("parameters",
                m.ParameterCount > 0 ? m.ParameterCount.ToString("N0", CultureInfo.InvariantCulture) : "");
            Row("latency", m.LatencyMs > 0 ? $"{m.LatencyMs.ToString("G4", CultureInfo.InvariantCulture)} ms" : "");
        }

        if (v.Lineage is { } l)
        {
            Row("parent", l.ParentModelVersion);
            Row("trained on", string.Join(", ", l.TrainingDatasetVersions));
            Row("evaluated on", string.Join(", ", l.EvaluationDatasetVersions));
            Row("replayed", l.ReplayDatasetVersion);
            Row("made by", string.Join(", ",
                new[] { l.TrainingJob, l.Study, l.Trial, l.CompressionJob, l.Policy }.Where(s => s.Length > 0)));
        }

        console.Write(table);
        if (v.Metrics is { Evaluations.Count: > 0 } metrics)
        {
            var evaluations = new Table().AddColumns("DATASET VERSION", "SPLIT", "ACCURACY", "LOSS", "EXAMPLES");
            foreach (var e in metrics.Evaluations)
            {
                evaluations.AddRow(Markup.Escape(e.DatasetVersion), e.Split.ToString(), ModelsView.Ratio(e.Accuracy),
                    ModelsView.Ratio(e.Loss), e.ExampleCount.ToString("N0", CultureInfo.InvariantCulture));
            }

            console.Write(evaluations);
        }
    }

    private static string Pairs(IEnumerable<KeyValuePair<string, string>> pairs) =>
        string.Join(", ", pairs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}
