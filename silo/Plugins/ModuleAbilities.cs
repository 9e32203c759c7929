using System.Collections.Immutable;
using System.Text.RegularExpressions;
using GridServer.Plugins.Contracts;

namespace GridServer.Silo.Plugins;

/// <summary>
/// What a module can do beyond its matters, as it declared when it was loaded: the reference data sets it keeps, the
/// sensor readings it takes (and how long a subject's readings are kept for it), its scheduled check, its templates,
/// and whether it names responsible parties.
/// </summary>
public sealed record ModuleAbilities(
    bool Routes, ImmutableArray<ReferenceDataSet> DataSets, ImmutableArray<string> ReadingKinds, TimeSpan? SensorWindow,
    TimeSpan? CheckEvery, ImmutableArray<ModuleTemplate> Templates)
{
    public static readonly ModuleAbilities None = new(false, [], [], null, null, []);

    /// <summary>Reads the declarations of whichever optional interfaces <paramref name="module"/> implements (module code: call under the load's time limit).</summary>
    internal static ModuleAbilities Read(IDutyModule module)
    {
        var sets = module is IKeepsReferenceData keeps ? Copy(keeps.ReferenceData) : [];
        var sensors = module as IHandlesSensorReadings;
        var kinds = sensors is null ? [] : Copy(sensors.ReadingKinds);
        var templates = module is IProvidesTemplates provides ? Copy(provides.Templates) : [];
        return new ModuleAbilities(module is IRoutesReports, sets, kinds, sensors?.Window,
            module is IRunsScheduledChecks checks ? checks.CheckEvery : null, templates);
    }

    // A null list is kept as a list holding a null, so that the check below names it.
    private static ImmutableArray<T> Copy<T>(IReadOnlyList<T>? items) => items is null ? [default!] : [.. items];
}

/// <summary>The checks of what a module declares beyond its matters, and of what its optional calls answer.</summary>
public static partial class AbilityChecks
{
    public const int MaxDataSets = 20;
    public const int MaxFields = 100;
    public const int MaxReadingKinds = 20;
    public const int MaxTemplates = 200;
    public const int MaxTemplateText = 64 * 1024;
    public const int MaxMemo = 4000;
    public const int MaxFindings = 10_000;

    /// <summary>The longest a subject's readings are kept.</summary>
    public static readonly TimeSpan MaxSensorWindow = TimeSpan.FromHours(24);

    /// <summary>The shortest and longest period of a scheduled check (Orleans reminders tick at most once a minute).</summary>
    public static readonly TimeSpan MinCheckEvery = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan MaxCheckEvery = TimeSpan.FromDays(7);

    /// <summary>The longest window a repeat rule may count in, and the most offences it may wait for.</summary>
    public static readonly TimeSpan MaxRepeatWindow = TimeSpan.FromDays(366);

    public const int MaxEscalateFrom = 100;

    /// <summary>The names of data sets and reading kinds: like matter codes.</summary>
    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,63}$")]
    public static partial Regex Name();

    [GeneratedRegex("^[A-Za-z0-9_]{1,64}$")]
    private static partial Regex FieldName();

    /// <summary>Why the declared abilities cannot be served, or null. <paramref name="matters"/>: the module's matter codes.</summary>
    public static string? Problem(ModuleAbilities abilities, IReadOnlyCollection<string> matters)
    {
        ArgumentNullException.ThrowIfNull(abilities);
        if (abilities.DataSets.Length > MaxDataSets) return $"ReferenceData declares {abilities.DataSets.Length} sets; at most {MaxDataSets}";
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var set in abilities.DataSets)
        {
            if (set is null) return "ReferenceData holds a null";
            if (set.Name is null || !Name().IsMatch(set.Name)) return "a reference data set's name must be 1 to 64 lower-case letters, digits, '-' or '_'";
            if (!names.Add(set.Name)) return $"reference data set '{set.Name}' is declared twice";
            if (string.IsNullOrWhiteSpace(set.Description) || set.Description.Length > ModuleChecks.MaxText) return $"reference data set '{set.Name}': Description must be given, at most {ModuleChecks.MaxText} characters";
            if (!Enum.IsDefined(set.Shape)) return $"reference data set '{set.Name}': shape {(int)set.Shape} is not one of {string.Join(", ", Enum.GetNames<ReferenceShape>())}";
            var fields = set.Fields.IsDefault ? [] : set.Fields;
            if (fields.Length > MaxFields) return $"reference data set '{set.Name}' has {fields.Length} fields; at most {MaxFields}";
            var fieldNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var field in fields)
            {
                if (field is null || field.Name is null || !FieldName().IsMatch(field.Name)) return $"reference data set '{set.Name}': a field name must be 1 to 64 letters, digits or '_'";
                if (field.Name is "key" or "id") return $"reference data set '{set.Name}': field '{field.Name}' is the record's key, which every record has; do not declare it";
                if (!fieldNames.Add(field.Name)) return $"reference data set '{set.Name}': field '{field.Name}' is declared twice";
                if (field.Description is null || field.Description.Length > ModuleChecks.MaxText) return $"reference data set '{set.Name}': field '{field.Name}' needs a description of at most {ModuleChecks.MaxText} characters";
            }
        }
        if (abilities.ReadingKinds.Length > MaxReadingKinds) return $"ReadingKinds declares {abilities.ReadingKinds.Length} kinds; at most {MaxReadingKinds}";
        if (abilities.ReadingKinds.Any(k => k is null || !Name().IsMatch(k))) return "a reading kind must be 1 to 64 lower-case letters, digits, '-' or '_'";
        if (abilities.ReadingKinds.Distinct(StringComparer.Ordinal).Count() != abilities.ReadingKinds.Length) return "ReadingKinds names a kind twice";
        if (abilities.SensorWindow is { } window && (window <= TimeSpan.Zero || window > MaxSensorWindow))
            return $"the sensor Window is {window}; it must be longer than zero and at most {MaxSensorWindow.TotalHours:F0} hours";
        if (abilities.SensorWindow is not null && abilities.ReadingKinds.IsEmpty) return "the module handles sensor readings but declares no ReadingKinds";
        if (abilities.CheckEvery is { } every && (every < MinCheckEvery || every > MaxCheckEvery))
            return $"CheckEvery is {every}; it must be at least {MinCheckEvery.TotalMinutes:F0} minute and at most {MaxCheckEvery.TotalDays:F0} days";
        if (abilities.Templates.Length > MaxTemplates) return $"Templates holds {abilities.Templates.Length} templates; at most {MaxTemplates}";
        foreach (var template in abilities.Templates)
        {
            if (template is null) return "Templates holds a null";
            if (template.Matter is null || !matters.Contains(template.Matter)) return $"a template is for matter '{ModuleChecks.Shorten(template.Matter)}', which the module does not bring";
            if (template.Notice is null || !GridServer.Notices.NoticeKinds.TryParseFileStem(template.Notice, out _))
                return $"a template of matter '{template.Matter}' is for notice '{ModuleChecks.Shorten(template.Notice)}'; notices: {string.Join(", ", GridServer.Notices.NoticeKinds.All.Select(GridServer.Notices.NoticeKinds.FileStem))}";
            if (template.Text is null || template.Text.Length > MaxTemplateText) return $"the {template.Notice} template of matter '{template.Matter}' must have a text of at most {MaxTemplateText} characters";
        }
        if (abilities.Templates.GroupBy(t => (t.Notice, t.Matter)).FirstOrDefault(g => g.Count() > 1) is { } twice)
            return $"two {twice.Key.Notice} templates for matter '{twice.Key.Matter}'";
        return null;
    }

    /// <summary>Why a routing hint makes no sense, or null (none at all is sense: the grid's officers alone answer).</summary>
    public static string? HintNonsense(RoutingHint? hint)
    {
        if (hint is null) return null;
        if (string.IsNullOrWhiteSpace(hint.PartyKind) || !Name().IsMatch(hint.PartyKind)) return "PartyKind must be a data set's name";
        if (string.IsNullOrWhiteSpace(hint.PartyId) || hint.PartyId.Length > ModuleChecks.MaxName) return $"PartyId must be given, at most {ModuleChecks.MaxName} characters";
        if (string.IsNullOrWhiteSpace(hint.PartyName) || hint.PartyName.Length > ModuleChecks.MaxName) return $"PartyName must be given, at most {ModuleChecks.MaxName} characters";
        if (string.IsNullOrWhiteSpace(hint.Reason) || hint.Reason.Length > ModuleChecks.MaxText) return $"Reason must be given, at most {ModuleChecks.MaxText} characters";
        if (hint.Contact is { Length: > ModuleChecks.MaxName }) return $"Contact has more than {ModuleChecks.MaxName} characters";
        if (hint.Repeats is { } repeats && (repeats.Window <= TimeSpan.Zero || repeats.Window > MaxRepeatWindow || repeats.EscalateFrom is < 1 or > MaxEscalateFrom))
            return $"Repeats must count within more than zero and at most {MaxRepeatWindow.TotalDays:F0} days and escalate from the 1st to the {MaxEscalateFrom}th offence";
        return null;
    }

    /// <summary>Why a place a module gives is not one (lon/lat WGS84 degrees), or null.</summary>
    public static string? PlaceNonsense(double lon, double lat) =>
        double.IsFinite(lon) && double.IsFinite(lat) && lon is >= -180 and <= 180 && lat is >= -90 and <= 90 ? null : $"the place ({lon}, {lat}) is not a longitude and latitude";

    /// <summary>Why a case a module asks for makes no sense, or null. <paramref name="matters"/>: the module's matter codes.</summary>
    public static string? CaseNonsense(string? matter, double lon, double lat, string? description, RoutingHint? party, IReadOnlyCollection<string> matters)
    {
        if (matter is null || !matters.Contains(matter)) return $"matter '{ModuleChecks.Shorten(matter)}' is not one of the module's";
        if (PlaceNonsense(lon, lat) is { } place) return place;
        if (string.IsNullOrWhiteSpace(description) || description.Length > ModuleChecks.MaxText) return $"the description must be given, at most {ModuleChecks.MaxText} characters";
        return HintNonsense(party) is { } hint ? "its party: " + hint : null;
    }

    /// <summary>Why a sensor verdict makes no sense, or null.</summary>
    public static string? VerdictNonsense(SensorVerdict? verdict, IReadOnlyCollection<string> matters)
    {
        if (verdict is null) return "null instead of a verdict (SensorVerdict.Nothing does nothing)";
        if (verdict.Note is { Length: > ModuleChecks.MaxText }) return $"the note has more than {ModuleChecks.MaxText} characters";
        if (verdict.Memo is { Length: > MaxMemo }) return $"the memo has more than {MaxMemo} characters";
        return verdict.Open is { } open ? CaseNonsense(open.Matter, open.Longitude, open.Latitude, open.Description, open.Party, matters) is { } why ? "Open: " + why : null : null;
    }

    /// <summary>Why a scheduled check's findings make no sense, or null.</summary>
    public static string? FindingsNonsense(IReadOnlyList<CheckFinding>? findings, IReadOnlyCollection<string> matters)
    {
        if (findings is null) return "null instead of a list (an empty list finds nothing)";
        if (findings.Count > MaxFindings) return $"{findings.Count} findings; at most {MaxFindings} a run";
        foreach (var finding in findings)
        {
            if (finding is null) return "a finding is null";
            if (string.IsNullOrWhiteSpace(finding.Key) || finding.Key.Length > ModuleChecks.MaxName) return $"a finding's key must be given, at most {ModuleChecks.MaxName} characters";
            if (CaseNonsense(finding.Matter, finding.Longitude, finding.Latitude, finding.Description, finding.Party, matters) is { } why) return $"finding '{ModuleChecks.Shorten(finding.Key)}': {why}";
        }
        return null;
    }
}
