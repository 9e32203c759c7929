namespace GridServer.Abstractions;

/// <summary>One change to a cluster-wide catalog (module packages, notice templates), as its history keeps it.</summary>
/// <param name="Action"><c>upload</c>, <c>activate</c>, <c>canary</c>, <c>disable</c>, <c>remove-version</c>, <c>remove</c>, <c>save</c>, <c>revert</c>.</param>
/// <param name="Actor">The credential subject that made it.</param>
/// <param name="Detail">What else it named (a canary's silo), or null.</param>
[GenerateSerializer, Immutable, Alias("catalog.change")]
public sealed record CatalogChange(
    [property: Id(0)] long Seq,
    [property: Id(1)] string Name,
    [property: Id(2)] string Action,
    [property: Id(3)] string? Version,
    [property: Id(4)] string Actor,
    [property: Id(5)] DateTimeOffset At,
    [property: Id(6)] string? Detail)
{
    public static CatalogChange Of(GridServer.Domain.ChangeRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.Seq, record.Name, record.Action, record.Version, record.Actor, record.At, record.Detail);
    }
}

/// <summary>What came of a change asked of a catalog.</summary>
/// <remarks>Values are sent by number: append new ones at the end, never renumber.</remarks>
public enum CatalogOutcome
{
    /// <summary>Made, and the catalog's revision raised.</summary>
    Done,

    /// <summary>Nothing to do: the catalog already was as asked.</summary>
    Unchanged,

    /// <summary>No such entry or version.</summary>
    NotFound,

    /// <summary>Refused: it would contradict what is stored (another package under the same version; removing what runs).</summary>
    Conflict,
}

/// <summary>The outcome, the catalog's revision after it, and a message that says why when it was refused.</summary>
[GenerateSerializer, Immutable, Alias("catalog.result")]
public sealed record CatalogResult([property: Id(0)] CatalogOutcome Outcome, [property: Id(1)] long Revision, [property: Id(2)] string? Message);
