namespace GridServer.Grains;

/// <summary>Names of the grain storage providers the silo must register.</summary>
public static class GrainStorage
{
    /// <summary>State of grid cells, squads, officers and liaisons.</summary>
    public const string Personnel = "gridserver";

    /// <summary>State of cases and the command-center queue.</summary>
    public const string Cases = "cases";
}

/// <summary>
/// The one way a grain writes its <see cref="IPersistentState{T}"/>: when the write fails, the grain's memory must not
/// stay ahead of the store (a retried request would find its change made and answer success without writing it).
/// The state is read back from the store, and the activation is dropped after this call as well, so that anything it
/// derived from the state (caches, subscriptions) is rebuilt from what is stored. The write's error reaches the caller.
/// </summary>
public static class StateWrites
{
    public static async Task WriteOrReloadAsync<T>(this IPersistentState<T> state, Grain grain)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(grain);
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception failed)
        {
            grain.DeactivateOnIdle();
            try
            {
                await state.ReadStateAsync();
            }
            catch (Exception reading)
            {
                throw new AggregateException("the state could not be written, nor read back", failed, reading);
            }
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failed);
        }
    }
}

/// <summary>
/// The clock grains read for the domain's times (deadlines, rosters), registered as a keyed
/// <see cref="TimeProvider"/>. Kept apart from the silo's own TimeProvider so tests can move the domain's
/// time forward without confusing Orleans' own timeouts.
/// </summary>
public static class GrainClock
{
    public const string Key = "gridserver.clock";
}
