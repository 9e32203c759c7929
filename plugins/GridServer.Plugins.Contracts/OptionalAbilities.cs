using System.Collections.Immutable;

namespace GridServer.Plugins.Contracts;

// Abilities a module may add by implementing these interfaces besides IDutyModule. They are part of contract 1.0 so
// that modules can be written against them now; docs/plugins.md says which ones the server already uses.

/// <summary>A module that names a party responsible for a report beyond its grid (a shop for its frontage, a site for its dust).</summary>
public interface IRoutesReports
{
    /// <summary>The party responsible for the report, or null when the grid's officers are.</summary>
    RoutingHint? Route(MatterReport report);
}

/// <summary>A party responsible beyond the grid: its kind ("shop", "site"), its id in the module's reference data, and why.</summary>
public sealed record RoutingHint(string PartyKind, string PartyId, string Reason);

/// <summary>A module that brings templates (notices, rectification orders) rendered by the server.</summary>
public interface IProvidesTemplates
{
    IReadOnlyList<ModuleTemplate> Templates { get; }
}

/// <summary>A template: its name, what it is for ("notice", "order"), and its text (Scriban).</summary>
public sealed record ModuleTemplate(string Name, string Purpose, string Text);

/// <summary>
/// A module that keeps reference data (shops and their frontage zones, sites, permits): the server imports the records
/// through its API and stores them; the module declares their shape and checks each record.
/// </summary>
public interface IKeepsReferenceData
{
    IReadOnlyList<ReferenceDataSet> ReferenceData { get; }

    /// <summary>Checks one record of a set before the server stores it; an empty list accepts it.</summary>
    IReadOnlyList<ReportProblem> ValidateRecord(string dataSet, IReadOnlyDictionary<string, string> record);
}

/// <summary>A kind of reference record: its name, the field that identifies a record, and the fields it has.</summary>
public sealed record ReferenceDataSet(string Name, string Description, string KeyField, ImmutableArray<string> Fields);

/// <summary>A module that reads sensor feeds (dust monitors, parking sensors) and says when a reading should open a case.</summary>
public interface IHandlesSensorReadings
{
    /// <summary>The kinds of reading the module takes, e.g. "pm10".</summary>
    IReadOnlyList<string> ReadingKinds { get; }

    /// <summary>What to do with a reading: null for nothing, else a report the server opens a case from.</summary>
    SensorVerdict? Evaluate(SensorReading reading);
}

/// <summary>One reading: the sensor, its kind, where (lon/lat WGS84, degrees), when, and its values by name with their units in the name (<c>pm10_ugm3</c>).</summary>
public sealed record SensorReading(string SensorId, string Kind, double Longitude, double Latitude, DateTimeOffset At, IReadOnlyDictionary<string, double> Values);

/// <summary>A reading that should open a case: of which of the module's matters, and the text of the report.</summary>
public sealed record SensorVerdict(string Matter, string Description);
