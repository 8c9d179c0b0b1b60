namespace Continuum.ServiceDefaults.Persistence;

/// <summary>
/// Wakes the readers of a table that is appended to (a bus publisher, watch streams) when this process commits
/// to it. Rows committed by another process are found by polling, so a missed signal only delays, never loses.
/// </summary>
public sealed class ChangeSignal
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Completes at the next <see cref="Notify"/>. Take it before reading, then wait on it.</summary>
    public Task Next => Volatile.Read(ref _next).Task;

    public void Notify() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    /// <summary>Waits for <paramref name="next"/> or the poll interval, whichever comes first.</summary>
    public static async Task WaitAsync(Task next, TimeSpan poll, CancellationToken ct)
    {
        try
        {
            await next.WaitAsync(poll, ct);
        }
        catch (TimeoutException)
        {
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
