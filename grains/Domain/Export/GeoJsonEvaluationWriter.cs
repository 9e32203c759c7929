using System.Text.Json;
using GridServer.Domain.Evaluation;
using GridServer.Domain.Grids;

namespace GridServer.Domain.Export;

/// <summary>
/// An indicator table of grids as an RFC 7946 FeatureCollection for a choropleth (QGIS, the console): every grid given,
/// with its row's columns as properties (a grid without a case in the period has zero counts and no rates), and its
/// boundary as <see cref="GeoJsonGridWriter"/> writes it.
/// </summary>
public static class GeoJsonEvaluationWriter
{
    public static void Write(Stream output, EvaluationTable table, IEnumerable<Grid> grids)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(grids);
        if (table.Level != EvaluationLevel.Grid) throw new ArgumentException($"a choropleth of grids needs a table of grids, not of {table.Level}", nameof(table));
        var rows = table.Rows.Where(r => r.Code is not null).ToDictionary(r => r.Code!, StringComparer.Ordinal);
        using var json = GeoJsonGridWriter.CreateWriter(output);
        json.WriteStartObject();
        json.WriteString("type", "FeatureCollection");
        json.WriteString("level", "grid");
        json.WriteString("from", table.From);
        json.WriteString("to", table.To);
        json.WriteString("asOf", table.AsOf);
        json.WriteStartArray("features");
        foreach (var grid in grids)
        {
            var row = rows.GetValueOrDefault(grid.Code) ?? EvaluationColumns.Empty(grid.Code, grid.Name, table.AsOf);
            json.WriteStartObject();
            json.WriteString("type", "Feature");
            json.WriteString("id", grid.Code);
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
            json.WriteString("street_code", grid.StreetCode);
            json.WriteString("community_code", grid.CommunityCode);
            json.WriteEndObject();
            json.WritePropertyName("geometry");
            GeoJsonGridWriter.WriteGeometry(json, grid.Boundary);
            json.WriteEndObject();
            if (json.BytesPending > 64 * 1024) json.Flush();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
