using System.Collections.Immutable;

namespace GridServer.Domain.Geocoding;

/// <summary>A gazetteer entry offered for a report's address: the entry, where it is, its grid, how well it matches (0–1) and why.</summary>
public sealed record AddressGuess(string EntryId, string Address, double Lon, double Lat, string? GridCode, double Score, string Why);

/// <summary>
/// What the gazetteer made of a report that came with only an address (地理编码 at intake): the best candidates, best
/// first, and whether the report took the first one's position (<see cref="Located"/>: the match was sure). A report
/// it did not place waits in the command-center queue with the candidates to choose from.
/// </summary>
public sealed record AddressLocating(bool Located, ImmutableArray<AddressGuess> Candidates)
{
    /// <summary>The case keeps at most this many candidates.</summary>
    public const int MaxKept = Gazetteer.MaxCandidates;

    /// <summary>Why a report with only an address waits for a dispatcher (null <paramref name="locating"/>: no gazetteer was there to ask).</summary>
    public static string QueueReason(AddressLocating? locating) => locating switch
    {
        null => "only an address was given, and no gazetteer is imported to place it",
        { Candidates.IsEmpty: true } => "only an address was given, and the gazetteer has no entry on its road",
        { Candidates.Length: 1 } => "only an address was given, and the gazetteer's one candidate is not a sure match: confirm it or place the case",
        var l => $"only an address was given, and the gazetteer's {l.Candidates.Length} candidates are not a sure match: choose one or place the case",
    };

    /// <summary>What the gazetteer's match comes to for a case: at most <see cref="MaxKept"/> candidates, with their grids.</summary>
    public static AddressLocating Of(AddressMatch match, Func<double, double, string?> gridOf)
    {
        ArgumentNullException.ThrowIfNull(match);
        ArgumentNullException.ThrowIfNull(gridOf);
        var guesses = match.Candidates.Take(MaxKept)
            .Select(c => new AddressGuess(c.Entry.Id, c.Entry.Address, c.Entry.Lon, c.Entry.Lat, gridOf(c.Entry.Lon, c.Entry.Lat), c.Score, c.Why))
            .ToImmutableArray();
        return new AddressLocating(match.Confident && guesses.Length > 0, guesses);
    }
}
