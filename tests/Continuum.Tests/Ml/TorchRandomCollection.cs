namespace Continuum.Tests.Ml;

/// <summary>
/// Tests that seed torch's process-wide generator and then expect its stream (model initialisation, dropout) to
/// be theirs alone. xUnit runs test classes in parallel, and a class that reseeds or draws from that generator
/// meanwhile would change their weights, so these run by themselves after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchRandomCollection
{
    public const string Name = "Torch global generator";
}
