using System.Data.Common;
using Continuum.ServiceDefaults.Persistence;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Continuum.Training.Jobs;

/// <summary>
/// The training service's SQL. Every state change is an UPDATE conditioned on the state it starts from, so the
/// API and any number of workers can race without a lost update: the loser's UPDATE changes no row.
/// </summary>
public sealed class TrainingJobRepository(
    [FromKeyedServices(TrainingServiceExtensions.ServiceName)] ServiceDatabase database)
{
    private const string Columns =
        """
        id AS Id, spec_json AS SpecJson, request_id AS RequestId, policy AS Policy, trial AS Trial,
        created_by AS CreatedBy, state AS State, cancel_requested AS CancelRequested, attempt_count AS AttemptCount,
        worker AS Worker, lease_until AS LeaseUntil, progress_json AS ProgressJson, checkpoint_sha256 AS CheckpointSha256,
        error_json AS ErrorJson, model_version AS ModelVersion, metrics_json AS MetricsJson,
        create_time AS CreateTime, start_time AS StartTime, end_time AS EndTime
        """;

    /// <summary>Inserts a QUEUED job; false when another job already has its request id.</summary>
    public async Task<bool> InsertAsync(JobRow row, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO training_jobs (id, spec_json, request_id, policy, trial, created_by, state,
                    cancel_requested, attempt_count, worker, progress_json, last_metric, model_version, create_time)
                VALUES (@Id, @SpecJson, @RequestId, @Policy, @Trial, @CreatedBy, @State, 0, 0, '', @ProgressJson, 0,
                    '', @CreateTime)
                """, row, cancellationToken: ct));
            return true;
        }
        catch (DbException e) when (SqlErrors.IsUniqueViolation(e))
        {
            return false;
        }
    }

    public async Task<JobRow?> GetAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(
            $"SELECT {Columns} FROM training_jobs WHERE id = @Id", new { Id = id }, cancellationToken: ct));
    }

    public async Task<JobRow?> FindByRequestAsync(string requestId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(
            $"SELECT {Columns} FROM training_jobs WHERE request_id = @RequestId", new { RequestId = requestId },
            cancellationToken: ct));
    }

    /// <summary>Newest first, after the (create time, id) key of the previous page's last job.</summary>
    public async Task<IReadOnlyList<JobRow>> ListAsync(
        (string Time, string Id)? before, string? state, string? policy, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<JobRow>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM training_jobs
            WHERE (@Time IS NULL OR create_time < @Time OR (create_time = @Time AND id < @Id))
              AND (@State IS NULL OR state = @State)
              AND (@Policy IS NULL OR policy = @Policy)
            ORDER BY create_time DESC, id DESC
            LIMIT @Limit
            """, new { before?.Time, before?.Id, State = state, Policy = policy, Limit = limit },
            cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>The QUEUED and RUNNING jobs created before <paramref name="createdBefore"/>, oldest first.</summary>
    public async Task<IReadOnlyList<JobRow>> ListUnfinishedAsync(string createdBefore, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<JobRow>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM training_jobs
            WHERE state IN ('QUEUED', 'RUNNING') AND create_time < @Before
            ORDER BY create_time, id
            """, new { Before = createdBefore }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>
    /// Claims a QUEUED job, or a RUNNING one whose worker's lease ran out (it died), for this worker until
    /// <paramref name="leaseUntil"/>. False when the job is final, being cancelled, or another worker holds it.
    /// </summary>
    public async Task<bool> ClaimAsync(string id, string worker, string now, string leaseUntil, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE training_jobs SET state = 'RUNNING', attempt_count = attempt_count + 1, worker = @Worker,
                lease_until = @LeaseUntil, start_time = COALESCE(start_time, @Now)
            WHERE id = @Id AND cancel_requested = 0
              AND (state = 'QUEUED' OR (state = 'RUNNING' AND (lease_until IS NULL OR lease_until < @Now)))
            """, new { Id = id, Worker = worker, Now = now, LeaseUntil = leaseUntil }, cancellationToken: ct)) == 1;
    }

    /// <summary>Extends this worker's lease; false when the job is no longer this worker's.</summary>
    public async Task<bool> RenewLeaseAsync(string id, string worker, string leaseUntil, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE training_jobs SET lease_until = @LeaseUntil
            WHERE id = @Id AND state = 'RUNNING' AND worker = @Worker
            """, new { Id = id, Worker = worker, LeaseUntil = leaseUntil }, cancellationToken: ct)) == 1;
    }

    /// <summary>A RUNNING job flagged for cancellation whose worker is gone: nobody else will end it.</summary>
    public async Task<bool> CancelAbandonedAsync(string id, string errorJson, string now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE training_jobs SET state = 'CANCELLED', error_json = @ErrorJson, end_time = @Now
            WHERE id = @Id AND state = 'RUNNING' AND cancel_requested = 1
              AND (lease_until IS NULL OR lease_until < @Now)
            """, new { Id = id, ErrorJson = errorJson, Now = now }, cancellationToken: ct)) == 1;
    }

    /// <summary>
    /// Cancels a QUEUED job at once, or flags a RUNNING one for its worker. Returns the job as it is after.
    /// </summary>
    public async Task<JobRow?> RequestCancelAsync(string id, string errorJson, string now, CancellationToken ct)
    {
        await using (var connection = await database.OpenAsync(ct))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE training_jobs SET state = 'CANCELLED', error_json = @ErrorJson, end_time = @Now
                WHERE id = @Id AND state = 'QUEUED';
                UPDATE training_jobs SET cancel_requested = 1 WHERE id = @Id AND state = 'RUNNING';
                """, new { Id = id, ErrorJson = errorJson, Now = now }, cancellationToken: ct));
        }

        return await GetAsync(id, ct);
    }

    public async Task<bool> IsCancelRequestedAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT cancel_requested FROM training_jobs WHERE id = @Id", new { Id = id },
            cancellationToken: ct)) == 1;
    }

    /// <summary>Records progress, and the checkpoint when one was just stored, while this worker runs the job.</summary>
    public async Task SaveProgressAsync(
        string id, string worker, string progressJson, string? checkpointSha256, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE training_jobs SET progress_json = @ProgressJson,
                checkpoint_sha256 = COALESCE(@CheckpointSha256, checkpoint_sha256)
            WHERE id = @Id AND state = 'RUNNING' AND worker = @Worker
            """, new { Id = id, Worker = worker, ProgressJson = progressJson, CheckpointSha256 = checkpointSha256 },
            cancellationToken: ct));
    }

    /// <summary>Ends a job this worker runs; false when it is no longer this worker's to end.</summary>
    public async Task<bool> FinishAsync(
        string id, string worker, string state, string? errorJson, string modelVersion, string? metricsJson,
        string now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE training_jobs SET state = @State, error_json = @ErrorJson, model_version = @ModelVersion,
                metrics_json = @MetricsJson, end_time = @Now
            WHERE id = @Id AND state = 'RUNNING' AND worker = @Worker
            """, new
            {
                Id = id, Worker = worker, State = state, ErrorJson = errorJson, ModelVersion = modelVersion,
                MetricsJson = metricsJson, Now = now,
            }, cancellationToken: ct)) == 1;
    }

    /// <summary>Fails a job that cannot run at all (bad spec found by the worker) from any unfinished state.</summary>
    public async Task<bool> FailUnstartedAsync(string id, string errorJson, string now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE training_jobs SET state = 'FAILED', error_json = @ErrorJson, end_time = @Now
            WHERE id = @Id AND state IN ('QUEUED', 'RUNNING')
            """, new { Id = id, ErrorJson = errorJson, Now = now }, cancellationToken: ct)) == 1;
    }

    /// <summary>Appends a metric point after the job's last; watchers read points by their increasing seq.</summary>
    public async Task AppendMetricAsync(string id, long step, string pointJson, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var seq = await connection.QuerySingleAsync<long>(new CommandDefinition(
            "UPDATE training_jobs SET last_metric = last_metric + 1 WHERE id = @Id RETURNING last_metric",
            new { Id = id }, tx, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO training_metrics (job, seq, step, point_json) VALUES (@Id, @Seq, @Step, @PointJson)",
            new { Id = id, Seq = seq, Step = step, PointJson = pointJson }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
    }

    /// <summary>Drops points taken after <paramref name="step"/>: a resumed run takes them again.</summary>
    public async Task TrimMetricsAsync(string id, long step, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM training_metrics WHERE job = @Id AND step > @Step", new { Id = id, Step = step },
            cancellationToken: ct));
    }

    /// <summary>Points after <paramref name="afterSeq"/>, in order, with their sequence numbers.</summary>
    public async Task<IReadOnlyList<(long Seq, string PointJson)>> ListMetricsAsync(
        string id, long afterSeq, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<(long, string)>(new CommandDefinition(
            "SELECT seq, point_json FROM training_metrics WHERE job = @Id AND seq > @After ORDER BY seq",
            new { Id = id, After = afterSeq }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>Whether no job's latest checkpoint is this blob any more, so it can go.</summary>
    public async Task<bool> IsCheckpointUnusedAsync(string sha256, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var unused = await BlobReferences.UnreferencedAsync(connection, null,
            "SELECT COUNT(*) FROM training_jobs WHERE checkpoint_sha256 = @Sha", [sha256], ct);
        return unused.Count == 1;
    }
}
