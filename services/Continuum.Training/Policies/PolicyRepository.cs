using System.Data.Common;
using Continuum.ServiceDefaults.Persistence;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Continuum.Training.Policies;

/// <summary>A row of <c>training_policies</c>.</summary>
public sealed class PolicyRow
{
    public string Id { get; init; } = "";
    public string Dataset { get; init; } = "";
    public string PolicyJson { get; init; } = "{}";
    public string CreateTime { get; init; } = "";
}

/// <summary>A row of <c>policy_runs</c>.</summary>
public sealed class RunRow
{
    public string Policy { get; init; } = "";
    public string DatasetVersion { get; init; } = "";
    public string EventId { get; init; } = "";
    public string State { get; init; } = "";
    public string TrainingJob { get; init; } = "";
    public string RunJson { get; init; } = "{}";
    public string StartTime { get; init; } = "";
}

/// <summary>
/// The SQL of policies and their runs. A run leaves RUNNING once, by an UPDATE conditioned on that state, so a
/// redelivered job event changes nothing.
/// </summary>
public sealed class PolicyRepository(
    [FromKeyedServices(TrainingServiceExtensions.ServiceName)] ServiceDatabase database)
{
    private const string PolicyColumns =
        "id AS Id, dataset AS Dataset, policy_json AS PolicyJson, create_time AS CreateTime";

    private const string RunColumns =
        """
        policy AS Policy, dataset_version AS DatasetVersion, event_id AS EventId, state AS State,
        training_job AS TrainingJob, run_json AS RunJson, start_time AS StartTime
        """;

    /// <summary>False when a policy with the id exists.</summary>
    public async Task<bool> InsertAsync(PolicyRow row, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO training_policies (id, dataset, policy_json, create_time)
                VALUES (@Id, @Dataset, @PolicyJson, @CreateTime)
                """, row, cancellationToken: ct));
            return true;
        }
        catch (DbException e) when (SqlErrors.IsUniqueViolation(e))
        {
            return false;
        }
    }

    public async Task<PolicyRow?> GetAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<PolicyRow>(new CommandDefinition(
            $"SELECT {PolicyColumns} FROM training_policies WHERE id = @Id", new { Id = id }, cancellationToken: ct));
    }

    /// <summary>In id order, after <paramref name="after"/>.</summary>
    public async Task<IReadOnlyList<PolicyRow>> ListAsync(string? after, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<PolicyRow>(new CommandDefinition(
            $"""
            SELECT {PolicyColumns} FROM training_policies WHERE (@After IS NULL OR id > @After)
            ORDER BY id LIMIT @Limit
            """, new { After = after, Limit = limit }, cancellationToken: ct))).AsList();
    }

    public async Task<IReadOnlyList<PolicyRow>> FollowingAsync(string dataset, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return (await connection.QueryAsync<PolicyRow>(new CommandDefinition(
            $"SELECT {PolicyColumns} FROM training_policies WHERE dataset = @Dataset ORDER BY id",
            new { Dataset = dataset }, cancellationToken: ct))).AsList();
    }

    /// <summary>Deletes the policy; its runs stay as the record of what it did. False when there was none.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM training_policies WHERE id = @Id", new { Id = id }, cancellationToken: ct)) == 1;
    }

    /// <summary>Inserts the run unless one exists for its policy and arrival; returns the stored run.</summary>
    public async Task<RunRow> InsertRunAsync(RunRow run, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO policy_runs (policy, dataset_version, event_id, state, training_job, run_json, start_time)
                VALUES (@Policy, @DatasetVersion, @EventId, @State, @TrainingJob, @RunJson, @StartTime)
                """, run, cancellationToken: ct));
            return run;
        }
        catch (DbException e) when (SqlErrors.IsUniqueViolation(e))
        {
            return (await connection.QuerySingleAsync<RunRow>(new CommandDefinition(
                $"SELECT {RunColumns} FROM policy_runs WHERE policy = @Policy AND dataset_version = @DatasetVersion",
                run, cancellationToken: ct)));
        }
    }

    public async Task<RunRow?> RunOfJobAsync(string trainingJob, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition(
            $"SELECT {RunColumns} FROM policy_runs WHERE training_job = @Job", new { Job = trainingJob },
            cancellationToken: ct));
    }

    /// <summary>The policy's runs, oldest first (arrival order) or newest first.</summary>
    public async Task<IReadOnlyList<RunRow>> RunsAsync(string policy, bool newestFirst, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var order = newestFirst ? "DESC" : "ASC";
        return (await connection.QueryAsync<RunRow>(new CommandDefinition(
            $"""
            SELECT {RunColumns} FROM policy_runs WHERE policy = @Policy
            ORDER BY start_time {order}, dataset_version {order} LIMIT @Limit
            """, new { Policy = policy, Limit = limit }, cancellationToken: ct))).AsList();
    }

    /// <summary>Ends a RUNNING run; false when it had ended already.</summary>
    public async Task<bool> FinishRunAsync(RunRow run, string state, string runJson, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE policy_runs SET state = @State, run_json = @RunJson
            WHERE policy = @Policy AND dataset_version = @DatasetVersion AND state = 'RUNNING'
            """, new { run.Policy, run.DatasetVersion, State = state, RunJson = runJson }, cancellationToken: ct)) == 1;
    }
}
