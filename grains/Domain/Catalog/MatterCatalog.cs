using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace GridServer.Domain.Catalog;

/// <summary>Whether a class is of components (部件, things a city owns and looks after) or events (事件, what happens).</summary>
public enum CatalogKind
{
    Component,
    Event,
}

/// <summary>
/// A class of the CJ/T 214 catalog: its code (<c>C01</c>, <c>E0504</c>), its name, and for a minor class its major
/// class's code (null for a major class).
/// </summary>
public sealed record CatalogClass(string Code, string Name, string? MajorCode)
{
    public CatalogKind Kind => Code[0] == 'C' ? CatalogKind.Component : CatalogKind.Event;

    public bool IsMajor => MajorCode is null;
}

/// <summary>
/// The classes matters are counted under (CJ/T 214: components 部件 and events 事件, major and minor classes). The
/// project ships the classes it compiled (gis-data/cjt214/classes.tsv, embedded); a bureau loads its own edition. A
/// matter names its class by code; statistics group by the class and its major class.
/// </summary>
public sealed partial class MatterCatalog
{
    private readonly FrozenDictionary<string, CatalogClass> _byCode;

    private MatterCatalog(IReadOnlyList<CatalogClass> classes)
    {
        Classes = classes;
        _byCode = classes.ToFrozenDictionary(c => c.Code, StringComparer.Ordinal);
    }

    /// <summary>Every class, in the file's order.</summary>
    public IReadOnlyList<CatalogClass> Classes { get; }

    /// <summary>The classes the project ships.</summary>
    public static MatterCatalog Default { get; } = Read(Embedded(), "the built-in catalog");

    public CatalogClass? Find(string? code) => code is null ? null : _byCode.GetValueOrDefault(code);

    /// <summary>The major class of a class (itself, for a major class), or null for a code not in the catalog.</summary>
    public CatalogClass? MajorOf(string? code) => Find(code) is { } found ? found.MajorCode is { } major ? _byCode[major] : found : null;

    /// <summary>What is wrong with a matter's class code, or null when the catalog has it.</summary>
    public string? Problem(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        if (!CodePattern().IsMatch(code))
            return $"class '{Shorten(code)}' is not a CJ/T 214 class code: C or E (component or event), the major class's two digits, and for a minor class two more (E0504)";
        return _byCode.ContainsKey(code) ? null : $"class {code} is not in the catalog this server serves (GET /api/catalog lists it)";
    }

    /// <summary>Reads a catalog file: <c>code TAB name</c> a line, <c>#</c> comments and blank lines skipped.</summary>
    /// <exception cref="FormatException">A line is malformed, a code repeats, or a minor class has no major class before it; the message names the line.</exception>
    public static MatterCatalog Read(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var classes = new List<CatalogClass>();
        var codes = new HashSet<string>(StringComparer.Ordinal);
        var number = 0;
        for (var line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            number++;
            if (line.Length == 0 || line.TrimStart().StartsWith('#') || string.IsNullOrWhiteSpace(line)) continue;
            var fields = line.Split('\t');
            string Fail(string what) => throw new FormatException($"{source}, line {number}: {what}");
            if (fields.Length != 2) Fail($"{fields.Length} fields; a line is a code and a name separated by one tab");
            var (code, name) = (fields[0].Trim(), fields[1].Trim());
            if (!CodePattern().IsMatch(code)) Fail($"'{Shorten(code)}' is not a class code (C or E, two digits, and two more for a minor class)");
            if (name.Length is 0 or > 100 || name.Any(char.IsControl)) Fail("the name must be 1 to 100 characters, without control characters");
            if (!codes.Add(code)) Fail($"class {code} is listed twice");
            string? major = code.Length == 5 ? code[..3] : null;
            if (major is not null && !codes.Contains(major)) Fail($"minor class {code} comes before (or without) its major class {major}");
            classes.Add(new CatalogClass(code, name, major));
        }
        if (classes.Count == 0) throw new FormatException($"{source}: no classes");
        return new MatterCatalog(classes);
    }

    private static StreamReader Embedded() =>
        new(typeof(MatterCatalog).Assembly.GetManifestResourceStream("GridServer.Domain.Catalog.classes.tsv")
            ?? throw new InvalidOperationException("the built-in CJ/T 214 catalog is missing from the assembly"));

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex("^[CE][0-9]{2}([0-9]{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex CodePattern();
}
