using System.Collections.Frozen;
using System.Globalization;
using System.IO.Compression;

namespace GridServer.Domain.Geo;

/// <summary>
/// The EPSG register's geographic and projected coordinate systems as WKT, shipped with the server
/// (gis-data/epsg/epsg.tsv.gz, embedded; its source and terms in gis-data/epsg/README.md). Read whole the first time a
/// code is asked for, then kept.
/// </summary>
public static class EpsgTable
{
    private const string Resource = "GridServer.Domain.Geo.epsg.tsv.gz";

    private static readonly Lazy<FrozenDictionary<int, string>> Table = new(Load);

    /// <summary>How many systems the table holds.</summary>
    public static int Count => Table.Value.Count;

    /// <summary>The WKT of an EPSG code, or null when the table has none (a code of another kind, or no such code).</summary>
    public static string? Wkt(int code) => Table.Value.GetValueOrDefault(code);

    private static FrozenDictionary<int, string> Load()
    {
        using var stream = typeof(EpsgTable).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"the EPSG table ({Resource}) is not in {typeof(EpsgTable).Assembly.GetName().Name}");
        using var reader = new StreamReader(new GZipStream(stream, CompressionMode.Decompress), System.Text.Encoding.UTF8);
        var table = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab > 0 && int.TryParse(line.AsSpan(0, tab), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
                table[code] = line[(tab + 1)..];
        }
        return table.ToFrozenDictionary();
    }
}
