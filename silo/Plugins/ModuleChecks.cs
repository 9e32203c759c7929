using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using GridServer.Plugins.Contracts;

namespace GridServer.Silo.Plugins;

/// <summary>
/// What the server takes from a module: a contract version it can serve, declarations it can use, answers that make
/// sense. Each check returns why not, or null.
/// </summary>
public static partial class ModuleChecks
{
    public const int MaxMatters = 100;
    public const int MaxQuestions = 50;
    public const int MaxValues = 200;
    public const int MaxProblems = 20;
    public const int MaxText = 2000;
    public const int MaxName = 200;

    /// <summary>The built-in service every server keeps: a module cannot take it.</summary>
    public const string ReservedMatter = "other";

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    private static partial Regex MatterCode();

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}$")]
    private static partial Regex QuestionCode();

    /// <summary>Why a module built for contract <paramref name="moduleVersion"/> cannot be served by this server, or null.</summary>
    public static string? ContractProblem(string? moduleVersion)
    {
        var takes = $"this server has duty-module contract {DutyContract.Version} and takes modules built for {DutyContract.Major}.0 to {DutyContract.Version}";
        var parts = moduleVersion?.Split('.');
        if (parts is not { Length: 2 }
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor))
            return $"the module declares contract version '{Shorten(moduleVersion)}', which is not major.minor; {takes}";
        if (major != DutyContract.Major || minor > DutyContract.Minor)
            return $"the module was built for duty-module contract {major}.{minor}; {takes}";
        return null;
    }

    /// <summary>Why the module's name, version and matters cannot be served, or null.</summary>
    /// <param name="catalog">The classes matters may name (null: the built-in catalog).</param>
    public static string? DeclarationProblem(string? name, string? version, IReadOnlyList<MatterDefinition>? matters, GridServer.Domain.Catalog.MatterCatalog? catalog = null)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxName) return $"Name must be given, at most {MaxName} characters";
        if (string.IsNullOrWhiteSpace(version) || version.Length > MaxName) return $"Version must be given, at most {MaxName} characters";
        if (matters is null || matters.Count == 0) return "Matters is empty: a module brings at least one matter";
        if (matters.Count > MaxMatters) return $"Matters has {matters.Count} matters; at most {MaxMatters}";
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var matter in matters)
        {
            if (matter is null) return "Matters holds a null";
            if ((MatterProblem(matter) ?? ClassProblem(matter, catalog ?? GridServer.Domain.Catalog.MatterCatalog.Default)) is { } problem)
                return $"matter '{Shorten(matter.Code)}': {problem}";
            if (!codes.Add(matter.Code)) return $"matter '{matter.Code}' is declared twice";
        }
        return null;
    }

    private static string? ClassProblem(MatterDefinition matter, GridServer.Domain.Catalog.MatterCatalog catalog) =>
        matter.ClassCode is { } code ? catalog.Problem(code) : null;

    private static string? MatterProblem(MatterDefinition matter)
    {
        if (matter.Code is null || !MatterCode().IsMatch(matter.Code)) return "the code must be 1 to 64 lower-case letters, digits, '-' or '_'";
        if (matter.Code == ReservedMatter) return $"the code '{ReservedMatter}' is the server's built-in generic service";
        if ((TextProblem("Name", matter.Name, MaxName, required: true) ?? TextProblem("Group", matter.Group, MaxName, required: true)
            ?? TextProblem("Description", matter.Description, MaxText, required: true) ?? TextProblem("Keywords", matter.Keywords, MaxText, required: false)) is { } text)
            return text;
        var questions = matter.Attributes.IsDefault ? [] : matter.Attributes;
        if (questions.Length > MaxQuestions) return $"it has {questions.Length} attributes; at most {MaxQuestions}";
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var question in questions)
        {
            if (question is null) return "Attributes holds a null";
            if (question.Code is null || !QuestionCode().IsMatch(question.Code)) return "an attribute code must be 1 to 64 letters, digits or '_'";
            if (!codes.Add(question.Code)) return $"attribute '{question.Code}' is declared twice";
            if (QuestionProblem(question) is { } problem) return $"attribute '{question.Code}': {problem}";
        }
        if (matter.TimeLimits is { } limits)
        {
            foreach (var (name, limit) in new[] { ("AcceptWithin", limits.AcceptWithin), ("HandleWithin", limits.HandleWithin), ("VerifyWithin", limits.VerifyWithin) })
            {
                if (limit is { } l && (l <= TimeSpan.Zero || l > GridServer.Domain.Cases.MatterPolicy.MaxLimit))
                    return $"time limit {name} is {l}; it must be longer than zero and at most {GridServer.Domain.Cases.MatterPolicy.MaxLimit.TotalDays:F0} days";
            }
        }
        return null;
    }

    private static string? QuestionProblem(MatterQuestion question)
    {
        if (!Enum.IsDefined(question.Datatype)) return $"datatype {(int)question.Datatype} is not one of {string.Join(", ", Enum.GetNames<AttributeDatatype>())}";
        if ((TextProblem("Description", question.Description, MaxText, required: true) ?? TextProblem("DatatypeDescription", question.DatatypeDescription, MaxText, required: false)) is { } text)
            return text;
        var values = question.Values.IsDefault ? [] : question.Values;
        var isList = question.Datatype is AttributeDatatype.SingleValueList or AttributeDatatype.MultiValueList;
        if (isList && values.Length == 0) return "a list attribute needs its allowed values";
        if (!isList && values.Length > 0) return "only a list attribute has allowed values";
        if (values.Length > MaxValues) return $"it has {values.Length} values; at most {MaxValues}";
        if (values.Any(v => v is null || string.IsNullOrWhiteSpace(v.Key) || v.Key.Length > MaxName || v.Key.Contains(',', StringComparison.Ordinal)
                || string.IsNullOrWhiteSpace(v.Name) || v.Name.Length > MaxName))
            return $"every value needs a key (no commas) and a name, each at most {MaxName} characters";
        if (values.Select(v => v.Key).Distinct(StringComparer.Ordinal).Count() != values.Length) return "two values have the same key";
        return null;
    }

    private static string? TextProblem(string what, string? text, int max, bool required) =>
        (required && string.IsNullOrWhiteSpace(text)) || text?.Length > max ? $"{what} must be {(required ? "given, " : "")}at most {max} characters" : null;

    /// <summary>Why a <see cref="IDutyModule.ValidateReport"/> answer makes no sense, or null.</summary>
    public static string? ProblemsNonsense(IReadOnlyList<ReportProblem>? problems)
    {
        if (problems is null) return "null instead of a list (an empty list accepts the report)";
        if (problems.Count > MaxProblems) return $"{problems.Count} problems; at most {MaxProblems}";
        if (problems.Any(p => p is null || string.IsNullOrWhiteSpace(p.Message) || p.Message.Length > MaxText || p.Attribute?.Length > MaxName))
            return $"a problem without a message, or longer than {MaxText} characters";
        return null;
    }

    internal static string Shorten(string? text) => text is null ? "(null)" : text.Length <= 64 ? text : text[..64] + "…";

    /// <summary>The declared matters as an immutable list.</summary>
    internal static ImmutableArray<MatterDefinition> Freeze(IReadOnlyList<MatterDefinition> matters) => [.. matters];
}
