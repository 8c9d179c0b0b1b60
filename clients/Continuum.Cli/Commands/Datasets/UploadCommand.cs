using System.CommandLine;
using Continuum.Data.V1;
using Google.Protobuf;
using Grpc.Core;
using Spectre.Console;

namespace Continuum.Cli.Commands.Datasets;

/// <summary><c>continuum datasets upload NAME --format idx|csv|jsonl ...</c>: streams files as a new version.</summary>
public static class UploadCommand
{
    private const int ChunkBytes = 1 << 20;

    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The dataset to add a version to." };
        var format = new Option<string>("--format") { Description = "idx, csv or jsonl.", Required = true };
        format.AcceptOnlyFromAmong("idx", "csv", "jsonl");
        var trainImages = FileOption("--train-images", "IDX images of the train split (gzipped or not).");
        var trainLabels = FileOption("--train-labels", "IDX labels of the train split.");
        var testImages = FileOption("--test-images", "IDX images of the test split.");
        var testLabels = FileOption("--test-labels", "IDX labels of the test split.");
        var train = FileOption("--train", "CSV or JSON lines file of the train split.");
        var test = FileOption("--test", "CSV or JSON lines file of the test split.");
        var labelColumn = new Option<string?>("--label-column") { Description = "CSV: the column holding the label." };
        var labels = new Option<string?>("--labels") { Description = "Keep only these classes, e.g. 0,1." };
        var divisor = new Option<double?>("--value-divisor")
        {
            Description = "Divide every input value by this (default 255 for IDX, 1 otherwise).",
        };
        var description = new Option<string?>("--description") { Description = "Free text stored on the version." };

        var command = new Command("upload", "Upload files as a new version of a dataset.")
        {
            name, format, trainImages, trainLabels, testImages, testLabels, train, test, labelColumn, labels, divisor,
            description,
        };
        command.Validators.Add(result =>
        {
            // An unknown format has its own error already.
            var missing = result.GetValue(format) switch
            {
                "idx" => new[] { trainImages, trainLabels }.Where(o => result.GetValue(o) is null).Select(o => o.Name)
                    .Concat(result.GetValue(testImages) is null != result.GetValue(testLabels) is null
                        ? ["--test-images and --test-labels together"]
                        : []),
                "csv" => new[] { (Option)train, labelColumn }.Where(o => result.GetResult(o) is null)
                    .Select(o => o.Name),
                "jsonl" => new[] { train }.Where(o => result.GetValue(o) is null).Select(o => o.Name),
                _ => [],
            };
            foreach (var m in missing)
            {
                result.AddError($"--format {result.GetValue(format)} needs {m}.");
            }

            if (result.GetValue(labels) is { } l && DatasetReferences.ParseLabels(l) is null)
            {
                result.AddError($"--labels takes class numbers separated by commas, e.g. 0,1; got '{l}'.");
            }
        });

        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var files = new List<(UploadFile File, FileInfo Info)>();
            void Add(FileInfo? info, Split split, FileRole role)
            {
                if (info is not null)
                {
                    files.Add((
                        new UploadFile { FileName = info.Name, Split = split, Role = role, SizeBytes = info.Length },
                        info));
                }
            }

            var kind = parsed.GetValue(format)!;
            Add(parsed.GetValue(trainImages), Split.Train, FileRole.IdxInputs);
            Add(parsed.GetValue(trainLabels), Split.Train, FileRole.IdxLabels);
            Add(parsed.GetValue(testImages), Split.Test, FileRole.IdxInputs);
            Add(parsed.GetValue(testLabels), Split.Test, FileRole.IdxLabels);
            Add(parsed.GetValue(train), Split.Train, FileRole.Table);
            Add(parsed.GetValue(test), Split.Test, FileRole.Table);

            var metadata = new DatasetVersionUpload
            {
                Parent = DatasetReferences.DatasetName(parsed.GetValue(name)!),
                Format = kind switch { "idx" => DataFormat.Idx, "csv" => DataFormat.Csv, _ => DataFormat.Jsonl },
                Files = { files.Select(f => f.File) },
                KeepClasses = { parsed.GetValue(labels) is { } l ? DatasetReferences.ParseLabels(l)! : [] },
                Description = parsed.GetValue(description) ?? "",
            };
            if (parsed.GetValue(divisor) is { } d)
            {
                metadata.ValueDivisor = d;
            }

            if (kind == "csv")
            {
                metadata.Csv = new CsvOptions { LabelColumn = parsed.GetValue(labelColumn)! };
            }

            var client = new DataService.DataServiceClient(connection.Invoker);
            var response = await UploadAsync(client, metadata,
                files.Select(f => (Func<Stream>)f.Info.OpenRead).ToList(), files.Sum(f => f.Info.Length),
                Output.Progress(parsed), ct);
            if (Output.IsJson(parsed))
            {
                // The whole response, so a script can tell a new version from one that already existed.
                await Output.WriteProtoAsync(parsed, response);
                return CliApp.Ok;
            }

            await DatasetsCommand.WriteVersionAsync(parsed, response.DatasetVersion,
                response.AlreadyExisted ? "This content already exists; nothing new was stored." : null);
            return CliApp.Ok;
        }));
        return command;
    }

    /// <summary>Streams the metadata, then each file's bytes in order; <paramref name="files"/> open them.</summary>
    public static async Task<CreateDatasetVersionResponse> UploadAsync(
        DataService.DataServiceClient client, DatasetVersionUpload metadata, IReadOnlyList<Func<Stream>> files,
        long totalBytes, IAnsiConsole? progress, CancellationToken ct)
    {
        using var call = client.CreateDatasetVersion(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new CreateDatasetVersionRequest { Metadata = metadata }, ct);

        async Task SendAsync(Action<long>? advance)
        {
            var buffer = new byte[ChunkBytes];
            for (var i = 0; i < files.Count; i++)
            {
                await using var stream = files[i]();
                int read;
                while ((read = await stream.ReadAsync(buffer, ct)) > 0)
                {
                    await call.RequestStream.WriteAsync(new CreateDatasetVersionRequest
                    {
                        Chunk = new FileChunk { FileIndex = i, Data = ByteString.CopyFrom(buffer, 0, read) },
                    }, ct);
                    advance?.Invoke(read);
                }
            }

            await call.RequestStream.CompleteAsync();
        }

        try
        {
            if (progress is null)
            {
                await SendAsync(null);
            }
            else
            {
                await progress.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(),
                        new TransferSpeedColumn(),
                        new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask("uploading", maxValue: totalBytes);
                        await SendAsync(n => task.Increment(n));
                    });
                progress.MarkupLine("[grey]validating and storing...[/]");
            }
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            // The server refused the upload before it had all of it, which ends the call under the writes: its
            // answer says why, the broken write does not.
            await call.ResponseAsync;
            throw;
        }

        return await call.ResponseAsync;
    }

    private static Option<FileInfo> FileOption(string name, string description)
    {
        var option = new Option<FileInfo>(name) { Description = description };
        option.AcceptExistingOnly();
        option.Validators.Add(result =>
        {
            if (result.Tokens is [var token] && Directory.Exists(token.Value))
            {
                result.AddError($"{name} needs a file, and '{token.Value}' is a directory.");
            }
        });
        return option;
    }
}
