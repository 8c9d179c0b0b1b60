using System.CommandLine;
using System.Security.Cryptography;
using Continuum.Registry.V1;
using Grpc.Core;
using Spectre.Console;

namespace Continuum.Cli.Commands.Models;

/// <summary>
/// <c>continuum models download MODEL@VERSION -o FILE</c>: streams the artifact into a partial file next to FILE,
/// checks the SHA-256 the server announces, and only then renames it to FILE. A broken download leaves the partial
/// file, and the next run resumes from its length; FILE itself is never half written.
/// </summary>
public static class DownloadCommand
{
    public static Command Create()
    {
        var reference = ModelReferences.VersionArgument("A version number, latest or an alias.");
        var file = new Option<FileInfo>("--output-file", "-o") { Description = "Where to save it.", Required = true };
        file.Validators.Add(r =>
        {
            if (r.Tokens is not [var t])
            {
                return;
            }

            var full = Path.GetFullPath(t.Value);
            if (Directory.Exists(full))
            {
                r.AddError($"-o needs a file name, and '{t.Value}' is a directory.");
            }
            else if (!Directory.Exists(Path.GetDirectoryName(full)))
            {
                r.AddError($"-o: the folder of '{t.Value}' does not exist.");
            }
            else if (WritableFolder.WhyNot(Path.GetDirectoryName(full)!) is { } why)
            {
                r.AddError($"-o: the folder of '{t.Value}' cannot be used: {why}.");
            }
        });
        var format = new Option<string?>("--format")
        {
            Description = "torchsharp (how artifacts are stored) or safetensors (exported, for PyTorch).",
        };
        format.AcceptOnlyFromAmong("torchsharp", "safetensors");
        var command = new Command("download", "Save a version's artifact to a file, resuming a broken download.")
        {
            reference, file, format,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var client = ModelsCommand.Client(connection);
            var version = await ModelReferences.GetVersionAsync(client,
                ModelReferences.Parse(parsed.GetValue(reference)!, out _)!, ct);
            var wanted = parsed.GetValue(format) switch
            {
                "safetensors" => ArtifactFormat.Safetensors,
                "torchsharp" => ArtifactFormat.Torchsharp,
                _ => ArtifactFormat.Unspecified,
            };
            var target = parsed.GetValue(file)!.FullName;
            var partial = PartialPath(target, version.Artifact.Sha256, wanted);
            var result = await ArtifactDownload.RunAsync(client, version.Name, wanted, partial, Output.Progress(parsed),
                ct);
            // Only a complete, checked file takes the name the user asked for.
            File.Move(partial, target, overwrite: true);

            if (Output.IsJson(parsed))
            {
                await Output.WriteJsonAsync(parsed, new
                {
                    modelVersion = version.Name,
                    file = target,
                    format = "ARTIFACT_FORMAT_" + ModelsView.Format(result.Format),
                    sizeBytes = result.SizeBytes,
                    sha256 = result.Sha256,
                    resumedFromBytes = result.ResumedFrom,
                });
                return CliApp.Ok;
            }

            var resumed = result.ResumedFrom > 0 ? $", resumed at byte {result.ResumedFrom:N0}" : "";
            Output.Console(parsed).MarkupLine(
                $"Saved {Markup.Escape(version.Name)} to {Markup.Escape(target)} "
                + $"({ModelsView.Size(result.SizeBytes)}, sha256 {result.Sha256}{resumed}).");
            return CliApp.Ok;
        }));
        return command;
    }

    /// <summary>
    /// The partial file for one artifact in one format. The stored digest in its name means a leftover from another
    /// version or format is never resumed into this one.
    /// </summary>
    public static string PartialPath(string target, string storedSha256, ArtifactFormat format) =>
        $"{target}.{ModelsView.ShaPrefix(storedSha256)}-{ModelsView.Format(format).ToLowerInvariant()}.part";
}

/// <summary>The download loop of <see cref="DownloadCommand"/>: resume, append, hash, check.</summary>
internal static class ArtifactDownload
{
    public sealed record Result(long SizeBytes, string Sha256, ArtifactFormat Format, long ResumedFrom);

    public static async Task<Result> RunAsync(RegistryService.RegistryServiceClient client, string version,
        ArtifactFormat format, string partial, IAnsiConsole? progress, CancellationToken ct)
    {
        try
        {
            try
            {
                return await ResumeAsync(client, version, format, partial, progress, ct);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.OutOfRange && File.Exists(partial))
            {
                // The leftover is longer than the artifact, so it is not a prefix of it: start over.
                File.Delete(partial);
                return await ResumeAsync(client, version, format, partial, progress, ct);
            }
        }
        catch (MismatchException e)
        {
            // The partial file can not be right, so the next run starts clean; DataLoss is gRPC's name for it.
            File.Delete(partial);
            throw new RpcException(new Grpc.Core.Status(StatusCode.DataLoss, $"{e.Message}; nothing was saved."));
        }
        catch (Exception) when (new FileInfo(partial) is { Exists: true, Length: 0 })
        {
            // Nothing to resume from, so nothing is left behind (a refused format, a missing version).
            File.Delete(partial);
            throw;
        }
    }

    private static async Task<Result> ResumeAsync(RegistryService.RegistryServiceClient client, string version,
        ArtifactFormat format, string partial, IAnsiConsole? progress, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var stream = new FileStream(partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None,
            bufferSize: 1 << 16, useAsync: true);
        // The bytes already there count towards the digest; reading them back is cheap next to fetching them.
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await stream.ReadAsync(buffer, ct)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        var resumedFrom = stream.Position;
        using var call = client.DownloadModelVersion(
            new DownloadModelVersionRequest { Name = version, Offset = resumedFrom, Format = format },
            cancellationToken: ct);
        var received = resumedFrom;
        DownloadModelVersionResponse? first = null;

        async Task ReceiveAsync(Action<long, long>? advance)
        {
            while (await call.ResponseStream.MoveNext(ct))
            {
                var chunk = call.ResponseStream.Current;
                first ??= chunk;
                if (chunk.Offset != received || chunk.Sha256 != first.Sha256
                    || chunk.TotalSizeBytes != first.TotalSizeBytes)
                {
                    throw new MismatchException($"the server sent a chunk at byte {chunk.Offset} of "
                        + $"{chunk.TotalSizeBytes} (sha256 {chunk.Sha256}) while {received} of "
                        + $"{first.TotalSizeBytes} (sha256 {first.Sha256}) were expected");
                }

                await stream.WriteAsync(chunk.Data.Memory, ct);
                hash.AppendData(chunk.Data.Span);
                received += chunk.Data.Length;
                advance?.Invoke(chunk.Data.Length, chunk.TotalSizeBytes);
            }
        }

        if (progress is null)
        {
            await ReceiveAsync(null);
        }
        else
        {
            await progress.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new DownloadedColumn(),
                    new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    ProgressTask? task = null;
                    await ReceiveAsync((n, total) =>
                    {
                        task ??= context.AddTask("downloading", maxValue: total);
                        task.Value = Math.Max(task.Value, resumedFrom);
                        task.Increment(n);
                    });
                });
        }

        if (first is null)
        {
            throw new MismatchException("the server ended the download without sending a byte");
        }

        var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
        if (received != first.TotalSizeBytes || sha256 != first.Sha256)
        {
            throw new MismatchException($"received {received} bytes hashing to {sha256}, but the server announced "
                + $"{first.TotalSizeBytes} bytes with sha256 {first.Sha256}");
        }

        await stream.FlushAsync(ct);
        stream.Flush(flushToDisk: true);
        return new Result(received, sha256, first.Format, resumedFrom);
    }

    private sealed class MismatchException(string message) : Exception(message);
}
