using Continuum.Registry.Storage;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf;

namespace Continuum.Registry.Gates;

/// <summary>A model's gate as stored and as answered: checked on the way in, the default when none was set.</summary>
public static class PromotionGates
{
    public const string DefaultAlias = "champion";

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>The gate of a model that never had one set: guard the champion, ask for no loss, no bounds.</summary>
    public static PromotionGate Default(string model) =>
        new() { Name = ModelNames.PromotionGate(model), Alias = DefaultAlias };

    /// <summary>
    /// What is stored of a gate a caller sent: its rules with the alias filled in, without the output-only
    /// fields. Each bad value is InvalidArgument naming its field under <c>promotion_gate</c>.
    /// </summary>
    public static PromotionGate Rules(PromotionGate gate)
    {
        var alias = gate.Alias.Length == 0
            ? DefaultAlias
            : ModelNames.RequireAliasId(gate.Alias, "promotion_gate.alias");
        if (!double.IsFinite(gate.MinImprovement))
        {
            RpcErrors.ThrowInvalidArgument("promotion_gate.min_improvement", "must be a finite number.");
        }

        if (gate.HasMaxForgetting && gate.MaxForgetting is not (>= 0 and <= 1))
        {
            RpcErrors.ThrowInvalidArgument("promotion_gate.max_forgetting",
                $"must be between 0 and 1, got {gate.MaxForgetting}.");
        }

        if (gate.HasMaxSizeBytes && gate.MaxSizeBytes < 0)
        {
            RpcErrors.ThrowInvalidArgument("promotion_gate.max_size_bytes",
                $"must not be negative, got {gate.MaxSizeBytes}.");
        }

        if (gate.HasMaxLatencyMs && !(double.IsFinite(gate.MaxLatencyMs) && gate.MaxLatencyMs >= 0))
        {
            RpcErrors.ThrowInvalidArgument("promotion_gate.max_latency_ms",
                $"must be a finite number of at least 0, got {gate.MaxLatencyMs}.");
        }

        var rules = new PromotionGate { Alias = alias, MinImprovement = gate.MinImprovement };
        if (gate.HasMaxForgetting)
        {
            rules.MaxForgetting = gate.MaxForgetting;
        }

        if (gate.HasMaxSizeBytes)
        {
            rules.MaxSizeBytes = gate.MaxSizeBytes;
        }

        if (gate.HasMaxLatencyMs)
        {
            rules.MaxLatencyMs = gate.MaxLatencyMs;
        }

        return rules;
    }

    public static PromotionGate ToProto(string model, GateRow? row)
    {
        if (row is null)
        {
            return Default(model);
        }

        var gate = Parser.Parse<PromotionGate>(row.GateJson);
        gate.Name = ModelNames.PromotionGate(model);
        gate.UpdateTime = ModelMapper.ToTimestamp(row.UpdateTime);
        gate.UpdatedBy = row.UpdatedBy;
        return gate;
    }
}
