using System.CommandLine;
using System.Globalization;
using Continuum.Data.V1;
using Spectre.Console;

namespace Continuum.Cli.Commands.Datasets;

/// <summary><c>continuum datasets ...</c>: versioned datasets on the data service.</summary>
public static class DatasetsCommand
{
    public static Command Create() => new("datasets", "Versioned datasets: create, upload, list, show, compare.")
    {
        CreateCommand(), UploadCommand.Create(), ListCommand(), VersionsCommand(), ShowCommand(), CompareCommand(),
        DeleteCommand(),
    };

    private static Command CreateCommand()
    {
        var name = new Argument<string>("NAME")
        {
            Description = "The dataset id: lowercase letters, digits, '-', '_' and '.'.",
        };
        var shape = new Option<string>("--shape") { Description = "Input shape, e.g. 28x28 or 784.", Required = true };
        var classes = new Option<int>("--classes")
        {
            Description = "Number of classes; labels are 0 to N-1.", Required = true,
        };
        var classNames = new Option<string?>("--class-names") { Description = "A name per class, comma-separated." };
        var description = new Option<string?>("--description") { Description = "Free text." };
        var command = new Command("create", "Create a dataset with its schema.")
        {
            name, shape, classes, classNames, description,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(shape) is { } s && DatasetReferences.ParseShape(s) is null)
            {
                r.AddError($"--shape takes positive dimensions separated by x, e.g. 28x28; got '{s}'.");
            }
        });
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var schema = new DatasetSchema
            {
                InputShape = { DatasetReferences.ParseShape(parsed.GetValue(shape)!)! },
                ClassCount = parsed.GetValue(classes),
            };
            if (parsed.GetValue(classNames) is { } names)
            {
                schema.ClassNames.AddRange(names.Split(',', StringSplitOptions.TrimEntries));
            }

            var response = await Client(connection).CreateDatasetAsync(new CreateDatasetRequest
            {
                DatasetId = parsed.GetValue(name)!,
                Dataset = new Dataset { Schema = schema, Description = parsed.GetValue(description) ?? "" },
            }, cancellationToken: ct);
            await WriteDatasetsAsync(parsed, [response.Dataset], response);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command ListCommand()
    {
        var command = new Command("list", "List every dataset.");
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var all = new ListDatasetsResponse();
            var request = new ListDatasetsRequest { PageSize = 1000 };
            do
            {
                var page = await Client(connection).ListDatasetsAsync(request, cancellationToken: ct);
                all.Datasets.AddRange(page.Datasets);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            await WriteDatasetsAsync(parsed, all.Datasets, all);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command VersionsCommand()
    {
        var name = new Argument<string>("NAME") { Description = "The dataset." };
        var command = new Command("versions", "List the versions of a dataset.") { name };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var all = new ListDatasetVersionsResponse();
            var request = new ListDatasetVersionsRequest
            {
                Parent = DatasetReferences.DatasetName(parsed.GetValue(name)!), PageSize = 1000,
            };
            do
            {
                var page = await Client(connection).ListDatasetVersionsAsync(request, cancellationToken: ct);
                all.DatasetVersions.AddRange(page.DatasetVersions);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, all);
                return CliApp.Ok;
            }

            var table = new Table().AddColumns("VERSION", "SHA-256", "TRAIN", "TEST", "CLASSES", "FROM", "CREATED");
            foreach (var v in all.DatasetVersions)
            {
                table.AddRow(v.VersionNumber.ToString(CultureInfo.InvariantCulture), v.ContentSha256[..12],
                    Count(v, Split.Train), Count(v, Split.Test), string.Join(",", v.PresentClasses),
                    Markup.Escape(Origin(v)),
                    v.CreateTime.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture));
            }

            Output.Console(parsed).Write(table);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var reference = new Argument<string>("NAME@VERSION")
        {
            Description = "A number, a content hash prefix or latest.",
        };
        var command = new Command("show", "Show one version: splits, per-class counts, files, lineage.") { reference };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var client = Client(connection);
            var name = await DatasetReferences.ResolveVersionAsync(client, parsed.GetValue(reference)!, ct);
            var response = await client.GetDatasetVersionAsync(new GetDatasetVersionRequest { Name = name },
                cancellationToken: ct);
            await WriteVersionAsync(parsed, response.DatasetVersion, null);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command CompareCommand()
    {
        var baseRef = new Argument<string>("BASE") { Description = "The older version, NAME@VERSION." };
        var targetRef = new Argument<string>("TARGET") { Description = "The newer version, NAME@VERSION." };
        var threshold = new Option<double?>("--drift-threshold")
        {
            Description = "Drift threshold for PSI and label shift (default 0.2).",
        };
        var command = new Command("compare", "Compare two versions: classes, label shift, drift, scenario.")
        {
            baseRef, targetRef, threshold,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var client = Client(connection);
            var request = new CompareDatasetVersionsRequest
            {
                BaseVersion = await DatasetReferences.ResolveVersionAsync(client, parsed.GetValue(baseRef)!, ct),
                TargetVersion = await DatasetReferences.ResolveVersionAsync(client, parsed.GetValue(targetRef)!, ct),
            };
            if (parsed.GetValue(threshold) is { } t)
            {
                request.DriftThreshold = t;
            }

            var response = await client.CompareDatasetVersionsAsync(request, cancellationToken: ct);
            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, response);
                return CliApp.Ok;
            }

            var c = response.Comparison;
            var table = new Table().HideHeaders().AddColumns("", "");
            table.AddRow("base", c.BaseVersion).AddRow("target", c.TargetVersion);
            table.AddRow("scenario", $"[bold]{Markup.Escape(c.Scenario.ToString())}[/]");
            table.AddRow("classes added", string.Join(", ", c.ClassesAdded))
                .AddRow("classes removed", string.Join(", ", c.ClassesRemoved));
            table.AddRow("label shift", c.LabelShift.ToString("F4", CultureInfo.InvariantCulture));
            table.AddRow("PSI", c.PopulationStabilityIndex.ToString("F4", CultureInfo.InvariantCulture));
            // Either figure past the threshold is drift; say which, or a small PSI beside "yes" reads as a mistake.
            var over = new[] { ("label shift", c.LabelShift), ("PSI", c.PopulationStabilityIndex) }
                .Where(f => f.Item2 > c.DriftThreshold).Select(f => f.Item1).ToList();
            table.AddRow("drift", $"{(c.DriftDetected ? "yes" : "no")} "
                + $"(threshold {c.DriftThreshold.ToString(CultureInfo.InvariantCulture)}"
                + (c.DriftDetected && over.Count > 0 ? $", passed by {string.Join(" and ", over)})" : ")"));
            table.AddRow("summary", Markup.Escape(c.Summary));
            Output.Console(parsed).Write(table);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command DeleteCommand()
    {
        var name = new Argument<string>("NAME") { Description = "The dataset." };
        var force = new Option<bool>("--force") { Description = "Also delete its versions and their files." };
        var command = new Command("delete", "Delete a dataset.") { name, force };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var dataset = DatasetReferences.DatasetName(parsed.GetValue(name)!);
            await Client(connection).DeleteDatasetAsync(
                new DeleteDatasetRequest { Name = dataset, Force = parsed.GetValue(force) }, cancellationToken: ct);
            if (Output.IsJson(parsed))
            {
                await Output.WriteJsonAsync(parsed, new { });
                return CliApp.Ok;
            }

            // TODO: the data service cannot see which model versions name this dataset in their lineage; those
            // references now dangle, and fine-tuning such a version answers NotFound for the dataset.
            Output.Console(parsed).MarkupLine($"Deleted {Markup.Escape(dataset)}.");
            return CliApp.Ok;
        }));
        return command;
    }

    public static async Task WriteVersionAsync(ParseResult parsed, DatasetVersion v, string? note)
    {
        if (Output.IsJson(parsed))
        {
            await Output.WriteProtoAsync(parsed, v);
            return;
        }

        var console = Output.Console(parsed);
        console.MarkupLine($"[bold]{Markup.Escape(v.Name)}[/]  sha256 {v.ContentSha256}");
        if (note is not null)
        {
            console.MarkupLine($"[yellow]{Markup.Escape(note)}[/]");
        }

        var table = new Table().AddColumns("SPLIT", "EXAMPLES", "PER CLASS");
        foreach (var s in v.Splits)
        {
            table.AddRow(s.Split.ToString(), s.ExampleCount.ToString("N0", CultureInfo.InvariantCulture),
                string.Join(" ", s.ClassCounts));
        }

        console.Write(table);
        console.MarkupLine($"from: {Markup.Escape(Origin(v))}");
        if (v.PreviousVersionComparison is { } c)
        {
            console.MarkupLine($"against {Markup.Escape(c.BaseVersion)}: "
                + $"[bold]{c.Scenario}[/] ({Markup.Escape(c.Summary)})");
        }
    }

    private static async Task WriteDatasetsAsync(
        ParseResult parsed, IEnumerable<Dataset> datasets, Google.Protobuf.IMessage document)
    {
        if (Output.IsJson(parsed))
        {
            await Output.WriteProtoAsync(parsed, document);
            return;
        }

        var table = new Table().AddColumns("NAME", "SHAPE", "CLASSES", "VERSIONS", "LATEST", "DESCRIPTION");
        foreach (var d in datasets)
        {
            table.AddRow(Markup.Escape(d.Name), string.Join("x", d.Schema.InputShape),
                d.Schema.ClassCount.ToString(CultureInfo.InvariantCulture),
                d.VersionCount.ToString(CultureInfo.InvariantCulture), Markup.Escape(d.LatestVersion),
                Markup.Escape(d.Description));
        }

        Output.Console(parsed).Write(table);
    }

    private static string Count(DatasetVersion v, Split split) =>
        v.Splits.FirstOrDefault(s => s.Split == split)?.ExampleCount.ToString("N0", CultureInfo.InvariantCulture)
            ?? "-";

    private static string Origin(DatasetVersion v) => v.Derivation is { } d
        ? $"{d.Kind} of {string.Join(", ", d.SourceVersions)}"
        : $"{v.Format.ToString().ToLowerInvariant()} upload of {v.SourceFiles.Count} file(s)";

    private static DataService.DataServiceClient Client(ServerConnection connection) => new(connection.Invoker);
}
