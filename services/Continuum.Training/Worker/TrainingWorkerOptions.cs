namespace Continuum.Training.Worker;

/// <summary>Settings of the training worker in this process (<c>Continuum:Training:Worker</c>).</summary>
public sealed class TrainingWorkerOptions
{
    public const string SectionName = "Continuum:Training:Worker";

    /// <summary>Whether this process takes jobs from the queue; an API-only process sets false.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Jobs run at once. More than one shares the CPU and the global random state of TorchSharp.</summary>
    public int Concurrency { get; set; } = 1;

    /// <summary>Intra-op threads of TorchSharp; 0 means one per core.</summary>
    public int Threads { get; set; }

    /// <summary>How long a claim on a job lasts unless renewed; a dead worker's job is taken over after it.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(20);
}
