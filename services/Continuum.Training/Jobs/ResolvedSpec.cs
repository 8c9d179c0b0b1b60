using Continuum.Data.V1;
using Continuum.Registry.V1;
using Continuum.Training.V1;

namespace Continuum.Training.Jobs;

/// <summary>
/// A spec whose references are resolved to numbered versions, with what the worker needs to know about them.
/// </summary>
public sealed record ResolvedSpec(
    TrainingSpec Spec, DatasetSchema Schema, IReadOnlyList<DatasetVersion> Training,
    IReadOnlyList<DatasetVersion> Evaluation, ModelVersion? Base);
