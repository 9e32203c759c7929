using System.Text;
using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Esri;
using NetTopologySuite.IO.Esri.Dbf.Fields;
using NetTopologySuite.IO.Esri.Shapefiles.Writers;

namespace GridServer.Domain.Export;

/// <summary>
/// Writes grids as an Esri shapefile set: .shp, .shx, .dbf, a WGS 84 .prj and a .cpg saying UTF-8.
/// </summary>
/// <remarks>
/// Attribute fields: code, name, street_cd, street_nm, comm_cd, comm_nm (text, as wide as the longest
/// value in UTF-8 bytes), area_m2 (square metres, 3 decimals) and version (integer). Rings are written
/// as the shapefile specification wants them, outer rings clockwise and holes counter-clockwise, whatever
/// their orientation in memory: the library reverses them as needed.
/// </remarks>
public static class ShapefileGridWriter
{
    /// <summary>The .prj text: geographic WGS 84 (EPSG:4326), longitude before latitude, degrees.</summary>
    public const string Wgs84Wkt =
        "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]]," +
        "AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]]," +
        "UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AUTHORITY[\"EPSG\",\"4326\"]]";

    /// <summary>dBASE III limits a character field to 254 bytes.</summary>
    private const int MaxTextBytes = 254;

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    private static readonly string[] SetExtensions = [".shp", ".shx", ".dbf", ".prj", ".cpg"];

    static ShapefileGridWriter()
    {
        // The library fills its encoding-to-language-driver table once, on first use, from the encodings
        // registered at that moment. Register the code pages first, or a process whose first shapefile
        // work is this export leaves GBK out of that table for good (its .dbf files then say "unknown").
        ShapefileEncodings.EnsureCodePagesRegistered();
    }

    /// <summary>Writes the rows, replacing any files of the same set.</summary>
    /// <param name="path">The .shp to write, or the shared path without an extension.</param>
    /// <param name="rows">The grids, in the order to write them.</param>
    /// <returns>The files written.</returns>
    /// <exception cref="ArgumentException">
    /// A row's boundary is missing, empty, not a polygon, or not in lon/lat degrees; or a text value is
    /// longer than a dBASE field can hold. Nothing is written then.
    /// </exception>
    public static IReadOnlyList<string> Write(string path, IReadOnlyList<Grid> rows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows)
            CheckBoundary(row);

        var code = new DbfCharacterField("code", Width(rows, r => r.Code, "code"));
        var name = new DbfCharacterField("name", Width(rows, r => r.Name, "name"));
        var streetCode = new DbfCharacterField("street_cd", Width(rows, r => r.StreetCode, "street_cd"));
        var streetName = new DbfCharacterField("street_nm", Width(rows, r => r.StreetName, "street_nm"));
        var communityCode = new DbfCharacterField("comm_cd", Width(rows, r => r.CommunityCode, "comm_cd"));
        var communityName = new DbfCharacterField("comm_nm", Width(rows, r => r.CommunityName, "comm_nm"));
        // 19 characters with 3 decimals: areas up to 10^14 m², to the thousandth of a square metre.
        var area = new DbfNumericDoubleField("area_m2", 19, 3);
        var version = new DbfNumericInt32Field("version", 10);

        var shpPath = Path.ChangeExtension(path, ".shp");
        var options = new ShapefileWriterOptions(ShapeType.Polygon,
            code, name, streetCode, streetName, communityCode, communityName, area, version)
        {
            // The library writes the .cpg from this encoding ("UTF-8") and the .prj from Projection.
            Encoding = Utf8,
            Projection = Wgs84Wkt,
        };
        using (var writer = new ShapefilePolygonWriter(shpPath, options))
        {
            foreach (var row in rows)
            {
                code.StringValue = row.Code;
                name.StringValue = row.Name;
                streetCode.StringValue = row.StreetCode;
                streetName.StringValue = row.StreetName;
                communityCode.StringValue = row.CommunityCode;
                communityName.StringValue = row.CommunityName;
                area.NumericValue = row.AreaSquareMetres;
                version.NumericValue = row.Version;
                writer.Geometry = row.Boundary;
                writer.Write();
            }
        }

        return [.. SetExtensions.Select(e => Path.ChangeExtension(shpPath, e))];
    }

    private static void CheckBoundary(Grid row)
    {
        if (row.Boundary is not (Polygon or MultiPolygon))
            throw new ArgumentException(
                $"Grid {row.Code}: the boundary is {row.Boundary?.GeometryType ?? "missing"}; only a Polygon or MultiPolygon can be written.",
                nameof(row));
        if (row.Boundary.IsEmpty)
            throw new ArgumentException($"Grid {row.Code}: the boundary is empty.", nameof(row));
        var envelope = row.Boundary.EnvelopeInternal;
        if (envelope.MinX < -180 || envelope.MaxX > 180 || envelope.MinY < -90 || envelope.MaxY > 90)
            throw new ArgumentException(
                $"Grid {row.Code}: the boundary reaches ({envelope.MaxX}, {envelope.MaxY}), outside lon/lat degrees; " +
                "the shapefile is declared WGS 84, so transform the boundary to EPSG:4326 first.",
                nameof(row));
    }

    /// <summary>The narrowest field that holds every value, since the library cuts longer values without a word.</summary>
    private static int Width(IReadOnlyList<Grid> rows, Func<Grid, string?> value, string field)
    {
        var width = 1;
        foreach (var row in rows)
        {
            var bytes = Utf8.GetByteCount(value(row) ?? "");
            if (bytes > MaxTextBytes)
                throw new ArgumentException(
                    $"Grid {row.Code}: {field} is {bytes} bytes in UTF-8; a shapefile text field holds at most {MaxTextBytes}.",
                    nameof(rows));
            width = Math.Max(width, bytes);
        }
        return width;
    }
}
