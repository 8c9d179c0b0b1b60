using Continuum.Registry.Gates;
using Continuum.Registry.Storage;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Continuum.Registry;

public sealed partial class RegistryGrpcService
{
    public override async Task<SetPromotionGateResponse> SetPromotionGate(
        SetPromotionGateRequest request, ServerCallContext context)
    {
        var gate = request.PromotionGate;
        if (gate is null)
        {
            RpcErrors.ThrowInvalidArgument("promotion_gate", "is required.");
        }

        var model = ModelNames.ParsePromotionGate(gate.Name, "promotion_gate.name");
        var rules = PromotionGates.Rules(gate);

        var row = new GateRow
        {
            Model = model, GateJson = JsonFormatter.Default.Format(rules), UpdateTime = ModelMapper.Now(),
            UpdatedBy = "",
        };
        if (!await repository.SetGateAsync(row, context.CancellationToken))
        {
            RpcErrors.ThrowNotFound("model", ModelNames.Model(model));
        }

        return new SetPromotionGateResponse { PromotionGate = PromotionGates.ToProto(model, row) };
    }

    public override async Task<GetPromotionGateResponse> GetPromotionGate(
        GetPromotionGateRequest request, ServerCallContext context)
    {
        var model = ModelNames.ParsePromotionGate(request.Name, "name");

        await RequireModelAsync(model, context.CancellationToken);
        var row = await repository.GetGateAsync(model, context.CancellationToken);

        return new GetPromotionGateResponse { PromotionGate = PromotionGates.ToProto(model, row) };
    }

    public override async Task<EvaluatePromotionGateResponse> EvaluatePromotionGate(
        EvaluatePromotionGateRequest request, ServerCallContext context)
    {
        var reference = ModelNames.ParseVersion(request.Name, "name");

        await RequireVersionAsync(reference, context.CancellationToken);
        var inputs = await repository.ReadPromotionAsync(reference.Model, reference.Number, context.CancellationToken);
        if (inputs is null)
        {
            // Deleted between the check and the read.
            RpcErrors.ThrowNotFound("model version", request.Name);
        }

        var evaluation = Evaluate(inputs, Timestamp.FromDateTime(DateTime.UtcNow));
        return new EvaluatePromotionGateResponse { Evaluation = evaluation };
    }

    public override async Task<PromoteModelVersionResponse> PromoteModelVersion(
        PromoteModelVersionRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var reference = ModelNames.ParseVersion(request.Name, "name");
        ValidateReason(request.Reason);

        await RequireVersionAsync(reference, ct);
        var now = ModelMapper.Now();
        GateEvaluation? evaluation = null;
        AliasRow? moved = null;
        var inputs = await repository.PromoteAsync(reference.Model, reference.Number, now, read =>
        {
            evaluation = Evaluate(read, ModelMapper.ToTimestamp(now));
            if (IsCurrent(read) || !evaluation.Passed)
            {
                return null;
            }

            moved = new AliasRow
            {
                Model = reference.Model, Alias = read.Gate.Alias, Version = read.Candidate.Version, UpdateTime = now,
                UpdatedBy = "", Reason = request.Reason, Gated = 1,
            };
            return moved;
        }, previous => AliasChanged(moved!, ModelNames.Version(reference.Model, moved!.Version), previous), ct);
        if (inputs is null || evaluation is null)
        {
            // Deleted between the check and the transaction.
            RpcErrors.ThrowNotFound("model version", request.Name);
        }

        // Already the alias's version (a retried promotion, say): answered as it stands, nothing journaled.
        if (!IsCurrent(inputs) && !evaluation.Passed)
        {
            ThrowGateFailed(evaluation);
        }

        var alias = moved ?? inputs.Current!;
        return new PromoteModelVersionResponse
        {
            Alias = ModelMapper.ToProto(alias),
            PreviousModelVersion = inputs.Current is { } before ? ModelNames.Version(before.Model, before.Version) : "",
            Evaluation = evaluation,
        };
    }

    private static bool IsCurrent(PromotionInputs inputs) => inputs.Current?.Version == inputs.Candidate.Version;

    private static GateEvaluation Evaluate(PromotionInputs inputs, Timestamp now) =>
        PromotionGateEvaluator.Evaluate(inputs.Gate, ModelMapper.ToProto(inputs.Candidate, []),
            inputs.Champion is null ? null : ModelMapper.ToProto(inputs.Champion, []), now);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowGateFailed(GateEvaluation evaluation)
    {
        var failed = evaluation.Checks.Where(c => !c.Passed).Select(c => c.Reason.TrimEnd('.'));
        RpcErrors.ThrowFailedPrecondition(Domain, "PROMOTION_GATE_FAILED",
            $"{evaluation.CandidateVersion} did not pass the gate of alias {evaluation.Alias}: "
            + string.Join("; ", failed) + ".");
    }
}
