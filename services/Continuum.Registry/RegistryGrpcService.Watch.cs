using System.Globalization;
using Continuum.Registry.Changes;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Continuum.ServiceDefaults.Persistence;
using Grpc.Core;
using ModelAliasChanged = Continuum.Events.V1.ModelAliasChanged;
using ModelVersionCreated = Continuum.Events.V1.ModelVersionCreated;

namespace Continuum.Registry;

public sealed partial class RegistryGrpcService
{
    private const string AllModels = "models/-";
    private const int WatchBatch = 100;

    // Changes another registry process commits on a shared database are seen within this; our own at once.
    private static readonly TimeSpan WatchPoll = TimeSpan.FromSeconds(1);

    public override async Task WatchModelVersions(WatchModelVersionsRequest request,
        IServerStreamWriter<WatchModelVersionsResponse> responseStream, ServerCallContext context)
    {
        var model = request.Parent == AllModels ? null : ModelNames.ParseModel(request.Parent, "parent");
        if (model is not null)
        {
            await RequireModelAsync(model, context.CancellationToken);
        }

        var cursor = ParseCursor(request.StartCursor, await repository.LastChangeAsync(context.CancellationToken));

        // Headers tell the caller the starting point is fixed: whatever it commits from now on will be streamed.
        await context.WriteResponseHeadersAsync([]);

        // The stream is open-ended: it ends when the caller leaves or the host stops.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(
            context.CancellationToken, lifetime.ApplicationStopping);
        var ct = stop.Token;
        try
        {
            while (true)
            {
                var next = changes.Next;
                var batch = await repository.ListChangesAsync(model, cursor, WatchBatch, ct);
                foreach (var change in batch)
                {
                    await responseStream.WriteAsync(ToWatchResponse(change), ct);
                    cursor = change.Seq;
                }

                if (batch.Count < WatchBatch)
                {
                    await ChangeSignal.WaitAsync(next, WatchPoll, ct);
                }
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested
            && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"The registry is stopping; reconnect with start_cursor {cursor} to continue."));
        }
    }

    /// <summary>Empty: from now on; a number up to the newest change: after it.</summary>
    private static long ParseCursor(string cursor, long newest)
    {
        if (cursor.Length == 0)
        {
            return newest;
        }

        if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var after))
        {
            RpcErrors.ThrowInvalidArgument("start_cursor", "is not a cursor returned by this call.");
        }

        if (after > newest)
        {
            RpcErrors.ThrowInvalidArgument("start_cursor",
                $"{after} is ahead of the newest change, {newest}; was the registry's database replaced?");
        }

        return after;
    }

    private static WatchModelVersionsResponse ToWatchResponse(Storage.ChangeRow row)
    {
        var response = new WatchModelVersionsResponse { Cursor = row.Seq.ToString(CultureInfo.InvariantCulture) };
        switch (RegistryChanges.Parse(row))
        {
            case ModelVersionCreated created:
                response.ModelVersionCreated = created;
                break;
            case ModelAliasChanged moved:
                response.ModelAliasChanged = moved;
                break;
        }

        return response;
    }
}
