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
/// The clock grains read for the domain's times (deadlines, rosters), registered as a keyed
/// <see cref="TimeProvider"/>. Kept apart from the silo's own TimeProvider so tests can move the domain's
/// time forward without confusing Orleans' own timeouts.
/// </summary>
public static class GrainClock
{
    public const string Key = "gridserver.clock";
}
