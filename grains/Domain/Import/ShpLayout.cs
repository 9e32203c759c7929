using System.Buffers.Binary;

namespace GridServer.Domain.Import;

/// <summary>
/// The record structure of a polygon .shp file, checked before the library reads it. The library trusts
/// the file: a record cut short is filled from whatever its pooled buffer held, a record of another shape
/// type is skipped without a word, and a ring that is not closed becomes four points at (0, 0). This scan
/// turns the first two into errors that name the file and the record, and the third into a reason per
/// feature.
/// </summary>
/// <param name="ShapeTypeCode">The shape type of the file header (5, 15 or 25: Polygon, PolygonZ, PolygonM).</param>
/// <param name="RecordErrors">Per record, why its geometry cannot be built, or null.</param>
internal sealed record ShpLayout(int ShapeTypeCode, IReadOnlyList<string?> RecordErrors)
{
    private const int HeaderSize = 100;
    private const int FileCode = 9994;

    /// <summary>Reads and checks the header and every record.</summary>
    /// <param name="shp">The main file.</param>
    /// <param name="name">The file as messages should name it.</param>
    /// <exception cref="GridFileException">Not a polygon shapefile, truncated, or a record is corrupt.</exception>
    public static ShpLayout Read(Stream shp, string name)
    {
        var actualLength = shp.Length;
        if (actualLength < HeaderSize)
            throw new GridFileException(
                $"{name} is truncated or not a shapefile: it has {actualLength} bytes, less than the 100-byte .shp header.");

        var header = new byte[HeaderSize];
        shp.Position = 0;
        shp.ReadExactly(header);
        var fileCode = BinaryPrimitives.ReadInt32BigEndian(header);
        if (fileCode != FileCode)
            throw new GridFileException(
                $"{name} is not a shapefile main file, or its header is corrupt: it starts with file code {fileCode}, not 9994.");

        var declaredLength = 2L * BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(24));
        if (declaredLength > actualLength)
            throw new GridFileException(
                $"{name} is truncated: its header says the file has {declaredLength} bytes, but it has only {actualLength}. " +
                "Copy the file again in full.");
        if (declaredLength < HeaderSize)
            throw new GridFileException($"{name} has a corrupt header: it declares a file length of {declaredLength} bytes.");

        var shapeType = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(32));
        RefuseNonPolygon(shapeType, name);

        var errors = new List<string?>();
        var recordHeader = new byte[8];
        var position = (long)HeaderSize;
        // The library stops one byte short of the declared end; a stray trailing byte is not a record.
        while (position + 8 <= declaredLength)
        {
            var number = errors.Count + 1;
            shp.Position = position;
            shp.ReadExactly(recordHeader);
            var contentLength = 2L * BinaryPrimitives.ReadInt32BigEndian(recordHeader.AsSpan(4));
            var end = position + 8 + contentLength;
            if (contentLength < 4)
                throw new GridFileException($"{name}: record {number} is corrupt: it declares {contentLength} bytes of content.");
            if (end > declaredLength)
                throw new GridFileException(
                    $"{name} is truncated or corrupt: record {number} runs to byte {end}, past the end of the file ({declaredLength} bytes).");

            var content = new byte[contentLength];
            shp.ReadExactly(content);
            errors.Add(CheckRecord(content, shapeType, name, number));
            position = end;
        }

        return new ShpLayout(shapeType, errors);
    }

    private static void RefuseNonPolygon(int shapeType, string name)
    {
        var holds = shapeType switch
        {
            5 or 15 or 25 => null,
            1 or 11 or 21 or 8 or 18 or 28 => "points",
            3 or 13 or 23 => "lines",
            31 => "multipatch surfaces",
            0 => "no shapes (its shape type is Null)",
            _ => null,
        };
        if (holds is not null)
            throw new GridFileException(
                $"{name} holds {holds} ({ShapeTypeName(shapeType)}), not polygons: grids must be polygon features. " +
                "Export the grid layer as polygons.");
        if (shapeType is not (5 or 15 or 25))
            throw new GridFileException($"{name} has a corrupt header: shape type {shapeType} is not a shapefile shape type.");
    }

    internal static string ShapeTypeName(int code) => code switch
    {
        0 => "Null", 1 => "Point", 3 => "PolyLine", 5 => "Polygon", 8 => "MultiPoint",
        11 => "PointZ", 13 => "PolyLineZ", 15 => "PolygonZ", 18 => "MultiPointZ",
        21 => "PointM", 23 => "PolyLineM", 25 => "PolygonM", 28 => "MultiPointM", 31 => "MultiPatch",
        _ => $"type {code}",
    };

    /// <returns>Why the record's geometry cannot be built, or null when it can.</returns>
    private static string? CheckRecord(ReadOnlySpan<byte> content, int fileShapeType, string name, int number)
    {
        var type = BinaryPrimitives.ReadInt32LittleEndian(content);
        if (type == 0)
            return null;
        if (type != fileShapeType)
            throw new GridFileException(
                $"{name}: record {number} holds a {ShapeTypeName(type)} shape, but the file declares {ShapeTypeName(fileShapeType)}; " +
                "a shapefile holds one shape type only, so the file is corrupt.");

        // Polygon record: type, bounding box (4 doubles), part count, point count, part starts, points.
        const int FixedSize = 4 + 32 + 4 + 4;
        if (content.Length < FixedSize)
            throw new GridFileException($"{name}: record {number} is corrupt: a polygon record needs at least {FixedSize} bytes, it has {content.Length}.");
        var parts = BinaryPrimitives.ReadInt32LittleEndian(content[36..]);
        var points = BinaryPrimitives.ReadInt32LittleEndian(content[40..]);
        var pointsAt = FixedSize + 4L * parts;
        var needed = pointsAt + 16L * points + (fileShapeType == 15 ? 16L + 8L * points : 0);
        if (parts < 0 || points < 0 || needed > content.Length)
            throw new GridFileException(
                $"{name}: record {number} is corrupt: it declares {parts} rings and {points} points, " +
                $"which need {needed} bytes, but the record has {content.Length}.");

        var starts = new int[parts + 1];
        for (var i = 0; i < parts; i++)
            starts[i] = BinaryPrimitives.ReadInt32LittleEndian(content[(FixedSize + 4 * i)..]);
        starts[parts] = points;
        if (parts > 0 && starts[0] != 0)
            throw new GridFileException($"{name}: record {number} is corrupt: its first ring starts at point {starts[0]}, not 0.");
        for (var i = 0; i < parts; i++)
        {
            if (starts[i + 1] < starts[i])
                throw new GridFileException($"{name}: record {number} is corrupt: ring {i + 2} starts before ring {i + 1}.");
        }

        for (var i = 0; i < parts; i++)
        {
            var count = starts[i + 1] - starts[i];
            if (count < 4)
                return $"ring {i + 1} of {parts} has {count} points; a ring needs at least 4 (3 corners and the closing point)";
            var first = content[(int)(pointsAt + 16L * starts[i])..];
            var last = content[(int)(pointsAt + 16L * (starts[i + 1] - 1))..];
            if (BinaryPrimitives.ReadDoubleLittleEndian(first) != BinaryPrimitives.ReadDoubleLittleEndian(last)
                || BinaryPrimitives.ReadDoubleLittleEndian(first[8..]) != BinaryPrimitives.ReadDoubleLittleEndian(last[8..]))
                return $"ring {i + 1} of {parts} is not closed: its first and last points differ";
        }
        return null;
    }
}
