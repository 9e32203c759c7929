namespace GridServer.Grains;

/// <summary>Names of the grain storage providers the silo must register.</summary>
public static class GrainStorage
{
    /// <summary>State of grid cells, squads, officers and liaisons.</summary>
    public const string Personnel = "gridserver";

    /// <summary>State of cases and the command-center queue.</summary>
    public const string Cases = "cases";
}
