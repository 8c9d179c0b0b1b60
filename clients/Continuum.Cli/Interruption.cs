using System.CommandLine;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;

namespace Continuum.Cli;

/// <summary>
/// Ctrl-C and SIGTERM as a cancellation, not the end of the process, so that a command following a stream can
/// finish its output and choose its own exit status.
/// </summary>
public sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public Interruption(CancellationToken ct)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    }

    public CancellationToken Token => _stop.Token;

    /// <summary>Whether <paramref name="e"/> is how a call ends once this interruption (or the caller) stopped it.</summary>
    public bool Ended(Exception e) => _stop.IsCancellationRequested
        && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled };

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _stop.Dispose();
    }

    /// <summary>
    /// Prints a server stream until Ctrl-C: one line a message for people, or one JSON object a line with
    /// <c>--output json</c>; exits 0 when interrupted, as a watch has no other end.
    /// </summary>
    public static async Task<int> FollowAsync<T>(ParseResult parsed, CancellationToken ct,
        Func<CancellationToken, AsyncServerStreamingCall<T>> open, Func<T, string> line)
        where T : IMessage
    {
        using var interruption = new Interruption(ct);
        using var call = open(interruption.Token);
        var output = parsed.InvocationConfiguration.Output;
        try
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync(interruption.Token))
            {
                await output.WriteLineAsync(
                    Output.IsJson(parsed) ? Output.CompactProtoJson.Format(message) : line(message));
                await output.FlushAsync(interruption.Token);
            }
        }
        catch (Exception e) when (interruption.Ended(e))
        {
        }

        return CliApp.Ok;
    }

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }
}
