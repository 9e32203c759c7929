using NetTopologySuite.Geometries;

namespace GridServer.Domain.Import;

/// <summary>
/// One feature as read from a file, before any checking: its attributes and its geometry in the file's
/// own coordinate system. A geometry that could not be read at all is null, with the reason.
/// </summary>
/// <param name="Index">0-based position of the feature in its file.</param>
public sealed record SourceFeature(
    int Index,
    IReadOnlyDictionary<string, object?> Attributes,
    Geometry? Geometry,
    string? GeometryError = null);

/// <summary>Everything read from one grid file.</summary>
/// <param name="FileName">The file as the user named it, for messages.</param>
/// <param name="CrsDeclaration">
/// The coordinate system the file itself declares, as a spec the CRS registry resolves
/// ("EPSG:4549", or the WKT of a .prj); null when the file declares none.
/// </param>
/// <param name="Encoding">The attribute text encoding used, and why ("GBK (from .cpg)"); null where not applicable.</param>
public sealed record SourceDataset(
    string FileName,
    IReadOnlyList<SourceFeature> Features,
    string? CrsDeclaration,
    string? Encoding = null);

/// <summary>A file that cannot be read at all: the message names the file and what to do.</summary>
public class GridFileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A file refused for its size alone (a zip that expands beyond its limit or lists too many entries): the content was not judged.</summary>
public sealed class GridFileTooLargeException(string message) : GridFileException(message);
