using System.Globalization;
using Continuum.Registry.V1;
using Continuum.Training.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Continuum.Training.Jobs;

/// <summary>Rows to the messages clients see, and messages to the JSON kept in rows.</summary>
public static class JobMapper
{
    // A job's error is a google.rpc.Status whose details are packed error messages.
    private static readonly TypeRegistry ErrorDetails =
        TypeRegistry.FromFiles(Google.Rpc.ErrorDetailsReflection.Descriptor);

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true)
        .WithTypeRegistry(ErrorDetails));

    private static readonly JsonFormatter Formatter =
        new(JsonFormatter.Settings.Default.WithTypeRegistry(ErrorDetails));

    public static TrainingJob ToProto(JobRow row, IEnumerable<MetricPoint>? history = null)
    {
        var job = new TrainingJob
        {
            Name = TrainingJobNames.Job(row.Id),
            Spec = Parser.Parse<TrainingSpec>(row.SpecJson),
            State = ToState(row.State),
            CreateTime = ToTimestamp(row.CreateTime),
            Progress = Parser.Parse<TrainingProgress>(row.ProgressJson),
            ModelVersion = row.ModelVersion,
            Policy = row.Policy,
            Trial = row.Trial,
            AttemptCount = (int)row.AttemptCount,
            Worker = row.Worker,
            CreatedBy = row.CreatedBy,
        };
        if (row.StartTime is { } start)
        {
            job.StartTime = ToTimestamp(start);
        }

        if (row.EndTime is { } end)
        {
            job.EndTime = ToTimestamp(end);
        }

        if (row.ErrorJson is { } error)
        {
            job.Error = Parser.Parse<Google.Rpc.Status>(error);
        }

        if (row.MetricsJson is { } metrics)
        {
            job.Metrics = Parser.Parse<ModelMetrics>(metrics);
        }

        if (row.State == JobStates.Succeeded && row.CheckpointSha256 is { } checkpoint)
        {
            job.FinalCheckpointSha256 = checkpoint;
        }

        if (history is not null)
        {
            job.MetricHistory.Add(history);
        }

        return job;
    }

    public static MetricPoint ToMetric(string json) => Parser.Parse<MetricPoint>(json);

    public static TrainingJobState ToState(string state) =>
        System.Enum.Parse<TrainingJobState>(state, ignoreCase: true);

    public static string Json(IMessage message) => Formatter.Format(message);

    public static T Parse<T>(string json) where T : IMessage<T>, new() => Parser.Parse<T>(json);

    public static string Now() => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    public static Timestamp ToTimestamp(string time) => Timestamp.FromDateTimeOffset(ParseTime(time));

    /// <summary>A time as <see cref="Now"/> writes it.</summary>
    public static DateTimeOffset ParseTime(string time) => DateTimeOffset.Parse(time, CultureInfo.InvariantCulture);
}
