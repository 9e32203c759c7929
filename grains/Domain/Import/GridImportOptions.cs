using GridServer.Domain.Grids;

namespace GridServer.Domain.Import;

/// <summary>How to turn a file's features into grids.</summary>
public sealed record GridImportOptions
{
    /// <summary>The attribute holding the grid code.</summary>
    public string CodeField { get; init; } = "code";

    /// <summary>The attribute holding the grid's name; a missing name falls back to the code.</summary>
    public string NameField { get; init; } = "name";

    public string StreetCodeField { get; init; } = "street_code";
    public string StreetNameField { get; init; } = "street_name";
    public string CommunityCodeField { get; init; } = "community_code";
    public string CommunityNameField { get; init; } = "community_name";

    /// <summary>The rule codes must follow. Under CJ/T 213, street and community codes come from the code itself.</summary>
    public GridCodeScheme CodeScheme { get; init; } = GridCodeScheme.CjT213;

    /// <summary>Accept grids that overlap (reported as warnings); the lowest code then wins a shared point.</summary>
    public bool AllowOverlaps { get; init; }

    /// <summary>Import the valid features and report the invalid ones, instead of refusing the whole file.</summary>
    public bool SkipInvalid { get; init; }

    /// <summary>
    /// Check the tiling as a whole (overlaps, gaps). Off only where the grids are merely read to match
    /// points against them, and the tie-break rule settles any overlap.
    /// </summary>
    public bool CheckTiling { get; init; } = true;

    /// <summary>Overlaps up to this area are rounding, not errors. Square metres.</summary>
    public double OverlapToleranceSquareMetres { get; init; } = 1.0;

    /// <summary>Gaps smaller than this are not reported. Square metres.</summary>
    public double GapToleranceSquareMetres { get; init; } = 1.0;
}
