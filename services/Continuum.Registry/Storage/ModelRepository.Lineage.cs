using Dapper;

namespace Continuum.Registry.Storage;

/// <summary>A version made from another: a row of <c>model_version_parents</c> seen from the parent.</summary>
public sealed class ChildRow
{
    public string Model { get; init; } = "";
    public long Version { get; init; }
}

public sealed partial class ModelRepository
{
    /// <summary>The versions whose parent is the given one, in model and version order.</summary>
    public async Task<IReadOnlyList<ChildRow>> ListChildrenAsync(string model, long version, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<ChildRow>(new CommandDefinition(
            """
            SELECT model AS Model, version AS Version FROM model_version_parents
            WHERE parent_model = @Model AND parent_version = @Version
            ORDER BY model, version
            """, new { Model = model, Version = version }, cancellationToken: ct));
        return rows.AsList();
    }
}
