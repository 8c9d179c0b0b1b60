using System.Security.Cryptography;
using Continuum.ServiceDefaults.Grpc;

namespace Continuum.Training.Jobs;

/// <summary>Resource names of training jobs: <c>trainingJobs/{training_job}</c>, ids assigned by the server.</summary>
public static class TrainingJobNames
{
    public static string Job(string id) => $"trainingJobs/{id}";

    public static string Parse(string name, string field) =>
        ResourceNames.ParseId(name, "trainingJobs", "training_job", field);

    /// <summary>A new id: the creation second, then random hex, so that ids sort roughly by age.</summary>
    public static string NewId() =>
        $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
}
