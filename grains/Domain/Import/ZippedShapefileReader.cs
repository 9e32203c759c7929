using System.IO.Compression;

namespace GridServer.Domain.Import;

/// <summary>
/// Reads one Shapefile set out of a zip archive that is not trusted: a file named on the command line or a body
/// posted over HTTP. The archive decides nothing about where bytes go or how many there are.
/// </summary>
/// <remarks>
/// The rules, each refused with a <see cref="GridFileException"/> naming the archive and the entry:
/// <list type="bullet">
/// <item>at most <c>maxEntries</c> entries, and at most <c>maxExpandedBytes</c> bytes expanded, counting the bytes
/// really inflated, not the sizes the archive claims (a zip bomb stops at the limit);</item>
/// <item>folders in entry names are ignored (a set may sit in a folder), and no entry name is ever used as a path:
/// the set is written to a private temporary folder under fixed names, so <c>../../etc/passwd</c> or an absolute
/// name is harmless;</item>
/// <item>exactly one <c>.shp</c>, with the <c>.shx</c> and <c>.dbf</c> of the same name beside it (<c>.prj</c>,
/// <c>.cpg</c> and <c>.cst</c> of that name are read when present); two entries with the same file name are
/// refused rather than one chosen;</item>
/// <item>no archive inside the archive (by name, or a set file that is itself a zip);</item>
/// <item>other entries (<c>.sbn</c>, <c>.xml</c> metadata, macOS <c>._</c> files) are skipped unread.</item>
/// </list>
/// </remarks>
public static class ZippedShapefileReader
{
    /// <summary>The most a zipped Shapefile may expand to, by default.</summary>
    public const long MaxExpandedBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>The most entries an archive may list, by default: a set is a handful of files, with some metadata beside it.</summary>
    public const int MaxEntries = 100;

    private static readonly string[] SetExtensions = [".shp", ".shx", ".dbf", ".prj", ".cpg", ".cst"];

    private static readonly string[] ArchiveExtensions = [".zip", ".kmz", ".7z", ".rar", ".gz", ".tgz", ".tar", ".bz2", ".xz"];

    /// <summary>The fixed name the set is written under in the temporary folder.</summary>
    private const string Stem = "layer";

    /// <summary>The first bytes of a zip's local file header ("PK\3\4").</summary>
    public static bool LooksLikeZip(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && (bytes[2], bytes[3]) is (3, 4) or (5, 6);

    /// <summary>Reads the one Shapefile set in the archive.</summary>
    /// <param name="archive">The zip, readable and seekable (a file or a buffer in memory).</param>
    /// <param name="archiveName">The archive as the user knows it, for messages; the dataset is named <c>archive!set.shp</c>.</param>
    /// <param name="encoding">The attribute encoding when the caller names one; else the .cpg, else detected.</param>
    public static SourceDataset Read(Stream archive, string archiveName, string? encoding = null,
        long maxExpandedBytes = MaxExpandedBytes, int maxEntries = MaxEntries)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new GridFileException($"{archiveName}: not a readable zip archive: {e.Message}", e);
        }
        using (zip)
        {
            if (zip.Entries.Count > maxEntries)
                throw new GridFileTooLargeException($"{archiveName}: the archive lists {zip.Entries.Count:N0} entries; a zipped Shapefile needs a handful, at most {maxEntries}");
            var set = ChooseSet(zip, archiveName);
            var folder = Directory.CreateTempSubdirectory("gridserver-zip-");
            try
            {
                Expand(set, folder.FullName, archiveName, maxExpandedBytes);
                var written = Path.Combine(folder.FullName, Stem);
                var shown = archiveName + "!" + set.Stem;
                try
                {
                    var dataset = ShapefileGridReader.Read(written + ".shp", encoding);
                    return dataset with { FileName = shown + ".shp" };
                }
                catch (GridFileException e)
                {
                    // The reader names the files it read; the user knows them by their names in the archive.
                    throw new GridFileException(e.Message.Replace(written, shown, StringComparison.Ordinal), e);
                }
            }
            catch (InvalidDataException e)
            {
                throw new GridFileException($"{archiveName}: not a readable zip archive: {e.Message}", e);
            }
            finally
            {
                folder.Delete(recursive: true);
            }
        }
    }

    private sealed record ShapefileSet(string Stem, IReadOnlyDictionary<string, ZipArchiveEntry> Files);

    /// <summary>The entries of the one set, by extension, chosen by their names alone (nothing is inflated yet).</summary>
    private static ShapefileSet ChooseSet(ZipArchive zip, string archiveName)
    {
        var byName = new Dictionary<string, ZipArchiveEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in zip.Entries)
        {
            // Both separators: archives made on Windows may use '\', which is not a separator on Linux.
            var name = entry.FullName[(entry.FullName.LastIndexOfAny(['/', '\\']) + 1)..];
            if (name.Length == 0 || name.StartsWith('.')) continue;
            var extension = Path.GetExtension(name).ToLowerInvariant();
            if (ArchiveExtensions.Contains(extension))
                throw new GridFileException($"{archiveName}: holds another archive, '{Shorten(entry.FullName)}'; zip the Shapefile's own files (.shp, .shx, .dbf, .prj), not an archive of them");
            if (!SetExtensions.Contains(extension)) continue;
            if (!byName.TryAdd(name, entry))
                throw new GridFileException($"{archiveName}: the archive holds two files named '{Shorten(name)}'; keep one Shapefile set in it");
        }
        var shapes = byName.Keys.Where(n => n.EndsWith(".shp", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
        if (shapes.Count != 1)
            throw new GridFileException(
                $"{archiveName}: the archive must hold exactly one .shp (with its .shx and .dbf), holds {shapes.Count}" +
                (shapes.Count > 1 ? $" ({string.Join(", ", shapes.Take(5).Select(Shorten))}); upload one set per request" : ""));
        var stem = shapes[0][..^4];
        var files = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var extension in SetExtensions)
        {
            if (byName.TryGetValue(stem + extension, out var entry)) files[extension] = entry;
        }
        foreach (var (extension, what) in new[] { (".shx", "the shape index"), (".dbf", "the attribute table (grid codes and names)") })
        {
            if (!files.ContainsKey(extension))
                throw new GridFileException($"{archiveName}: {Shorten(stem)}{extension} is missing ({what}); a Shapefile is the .shp, .shx and .dbf together, zip them all");
        }
        return new ShapefileSet(stem, files);
    }

    /// <summary>Writes the set under fixed names, counting the bytes really inflated against the budget.</summary>
    private static void Expand(ShapefileSet set, string folder, string archiveName, long maxExpandedBytes)
    {
        var claimed = set.Files.Values.Sum(e => e.Length);
        if (claimed > maxExpandedBytes)
            throw TooLarge(archiveName, maxExpandedBytes);
        var budget = maxExpandedBytes;
        var buffer = new byte[81920];
        foreach (var (extension, entry) in set.Files)
        {
            using var source = entry.Open();
            using var target = new FileStream(Path.Combine(folder, Stem + extension), FileMode.CreateNew, FileAccess.Write);
            var first = true;
            int read;
            while ((read = source.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
            {
                if (first && LooksLikeZip(buffer.AsSpan(0, read)))
                    throw new GridFileException($"{archiveName}: '{Shorten(entry.FullName)}' is itself a zip archive, not a {extension} file; zip the Shapefile's own files");
                first = false;
                budget -= read;
                if (budget < 0)
                    throw TooLarge(archiveName, maxExpandedBytes);
                target.Write(buffer, 0, read);
            }
        }
    }

    private static GridFileTooLargeException TooLarge(string archiveName, long maxExpandedBytes) =>
        new($"{archiveName}: the archive expands to more than {maxExpandedBytes:N0} bytes");

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";
}
