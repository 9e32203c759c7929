using GridServer.Domain.Evaluation;
using GridServer.Domain.Grids;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Union;

namespace GridServer.Domain.Export;

/// <summary>
/// One area of a choropleth: a grid, or a community, street or district as the union of its grids; its code, name, the
/// codes of what it lies in (written as properties), and its boundary in lon/lat.
/// </summary>
public sealed record EvaluationArea(string Code, string Name, Geometry Boundary, IReadOnlyList<(string Name, string? Value)> Within)
{
    /// <summary>A grid as an area: within its street and community.</summary>
    public static EvaluationArea Of(Grid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        return new(grid.Code, grid.Name, grid.Boundary, [("street_code", grid.StreetCode), ("community_code", grid.CommunityCode)]);
    }

    /// <summary>The levels whose units are areas on the map: grids, and the unions of their grids.</summary>
    public static bool IsArea(EvaluationLevel level) => level is EvaluationLevel.Grid or EvaluationLevel.Community or EvaluationLevel.Street or EvaluationLevel.District;

    /// <summary>
    /// The areas of <paramref name="level"/>: each grid, or each community, street or district with the union of its grids
    /// (a grid without that unit is left out), ordered by code.
    /// </summary>
    public static IReadOnlyList<EvaluationArea> Of(EvaluationLevel level, IEnumerable<Grid> grids)
    {
        ArgumentNullException.ThrowIfNull(grids);
        if (!IsArea(level)) throw new ArgumentException($"{level} is not an area on the map", nameof(level));
        if (level == EvaluationLevel.Grid) return [.. grids.OrderBy(g => g.Code, StringComparer.Ordinal).Select(Of)];
        var places = grids.Select(g => (Grid: g, Place: GridPlace.Of(g)));
        return [.. places
            .Select(p => (p.Grid, Unit: level switch
            {
                EvaluationLevel.Community => (p.Place.CommunityCode, p.Place.CommunityName, p.Place.StreetCode),
                EvaluationLevel.Street => (p.Place.StreetCode, p.Place.StreetName, p.Place.DistrictCode),
                _ => (p.Place.DistrictCode, p.Place.DistrictCode, null),
            }))
            .Where(p => p.Unit.Item1 is not null)
            .GroupBy(p => p.Unit.Item1!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var (_, name, parent) = g.First().Unit;
                // The grids of a unit tile it: their union is its outline (a gap between them stays a hole).
                var union = UnaryUnionOp.Union(g.Select(p => p.Grid.Boundary).ToList());
                var within = level switch
                {
                    EvaluationLevel.Community => new (string, string?)[] { ("street_code", parent) },
                    EvaluationLevel.Street => [("district_code", parent)],
                    _ => [],
                };
                return new EvaluationArea(g.Key, name ?? g.Key, union, within);
            })];
    }
}

/// <summary>
/// An indicator table of areas (grids, communities, streets, districts) as an RFC 7946 FeatureCollection for a
/// choropleth (QGIS, the console): every area given, with its row's columns as properties (an area without a case in the
/// period has zero counts and no rates), and its boundary as <see cref="GeoJsonGridWriter"/> writes it.
/// </summary>
public static class GeoJsonEvaluationWriter
{
    public static void Write(Stream output, EvaluationTable table, IEnumerable<Grid> grids) =>
        Write(output, table, (grids ?? throw new ArgumentNullException(nameof(grids))).Select(EvaluationArea.Of));

    public static void Write(Stream output, EvaluationTable table, IEnumerable<EvaluationArea> areas)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(areas);
        if (!EvaluationArea.IsArea(table.Level)) throw new ArgumentException($"a choropleth needs a table of areas, not of {table.Level}", nameof(table));
        var rows = table.Rows.Where(r => r.Code is not null).ToDictionary(r => r.Code!, StringComparer.Ordinal);
        using var json = GeoJsonGridWriter.CreateWriter(output);
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteString("level", table.Level.ToString().ToLowerInvariant());
        json.WriteString("from", table.From);
        json.WriteString("to", table.To);
        json.WriteString("asOf", table.AsOf);
        json.WriteStartArray("features");
        foreach (var area in areas)
        {
            var row = rows.GetValueOrDefault(area.Code) ?? EvaluationColumns.Empty(area.Code, area.Name, table.AsOf);
            json.WriteStartObject();
            json.WriteString("type", "Feature");
            json.WriteString("id", area.Code);
            json.WritePropertyName("properties");
            json.WriteStartObject();
            foreach (var (column, value) in EvaluationColumns.Names.Zip(EvaluationColumns.Values(row)))
            {
                switch (value)
                {
                    case null: json.WriteNull(column); break;
                    case string text: json.WriteString(column, text); break;
                    case long count: json.WriteNumber(column, count); break;
                    case int number: json.WriteNumber(column, number); break;
                    case double real: json.WriteNumber(column, real); break;
                    default: throw new InvalidOperationException($"column {column} holds a {value.GetType().Name}");
                }
            }
            foreach (var (name, value) in area.Within) json.WriteString(name, value);
            json.WriteEndObject();
            json.WritePropertyName("geometry");
            GeoJsonGridWriter.WriteGeometry(json, area.Boundary);
            json.WriteEndObject();
            if (json.BytesPending > 64 * 1024) json.Flush();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
