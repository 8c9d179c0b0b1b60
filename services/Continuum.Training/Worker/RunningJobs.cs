using System.Collections.Concurrent;

namespace Continuum.Training.Worker;

/// <summary>The jobs this process is running, so a cancel request can reach the one it names.</summary>
public sealed class RunningJobs
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();

    /// <summary>Makes <paramref name="cancel"/> fire on a request for <paramref name="jobId"/> until disposed.</summary>
    public IDisposable Register(string jobId, CancellationTokenSource cancel)
    {
        _running[jobId] = cancel;
        return new Registration(() =>
            _running.TryRemove(new KeyValuePair<string, CancellationTokenSource>(jobId, cancel)));
    }

    public void Cancel(string jobId)
    {
        if (_running.TryGetValue(jobId, out var cancel))
        {
            cancel.Cancel();
        }
    }

    private sealed class Registration(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
