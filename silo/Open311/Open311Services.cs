using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Plugins;

namespace GridServer.Silo.Open311;

/// <summary>One option of a list attribute: <see cref="Key"/> is what a client sends, <see cref="Name"/> what a person reads.</summary>
public sealed record Open311Value(string Key, string Name);

/// <summary>
/// A question a service asks beyond the description: a GeoReport v2 service-definition attribute.
/// <see cref="Datatype"/> is one of string, number, datetime, text, singlevaluelist, multivaluelist.
/// </summary>
public sealed record Open311Question(
    string Code, string Datatype, bool Required, string Description, int Order, string? DatatypeDescription = null,
    ImmutableArray<Open311Value> Values = default)
{
    /// <summary>The longest value a client may give for one attribute.</summary>
    public const int MaxValueLength = 500;
}

/// <summary>
/// A service a citizen can report (an Open311 service type). Its code is the case's matter. <see cref="Module"/> is the
/// duty module that brings it (null for a built-in service): the one a report of it is checked by.
/// </summary>
public sealed record Open311Service(
    string Code, string Name, string Description, string Group, string Keywords, ImmutableArray<Open311Question> Attributes,
    GuardedModule? Module = null, string? ClassCode = null)
{
    /// <summary>True when the service has a definition with attributes (Open311 "metadata").</summary>
    public bool Metadata => !Attributes.IsDefaultOrEmpty;

    /// <summary>A module's matter as an Open311 service.</summary>
    public static Open311Service Of(ModuleMatter matter)
    {
        ArgumentNullException.ThrowIfNull(matter);
        var m = matter.Definition;
        return new(m.Code, m.Name, m.Description, m.Group, m.Keywords ?? "", [.. (m.Attributes.IsDefault ? [] : m.Attributes).Select(a =>
            new Open311Question(a.Code, Datatype(a.Datatype), a.Required, a.Description, a.Order, a.DatatypeDescription,
                a.Values.IsDefault ? [] : [.. a.Values.Select(v => new Open311Value(v.Key, v.Name))]))], matter.Module, m.ClassCode);
    }

    private static string Datatype(AttributeDatatype datatype) => datatype switch
    {
        AttributeDatatype.String => "string",
        AttributeDatatype.Number => "number",
        AttributeDatatype.Datetime => "datetime",
        AttributeDatatype.Text => "text",
        AttributeDatatype.SingleValueList => "singlevaluelist",
        AttributeDatatype.MultiValueList => "multivaluelist",
        _ => throw new ArgumentOutOfRangeException(nameof(datatype), datatype, "not an Open311 datatype"),
    };
}

/// <summary>
/// The services offered through Open311: the one place services live. They are the matters of the loaded duty modules
/// (read from the <see cref="ModuleRegistry"/>'s current snapshot, so they change without a restart), and the built-in
/// services: the generic <c>other</c>, always there so that intake never has nothing, and parking, shopfront, dust,
/// billboard and facility, until their modules come (a module bringing one of these codes takes its place).
/// </summary>
public sealed class Open311Services(ModuleRegistry modules)
{
    /// <summary>
    /// The services of each module snapshot, made at its first read, kept as long as the snapshot is: an unloaded module's
    /// services (which hold the module) go with the last snapshot that had it, not at the next read of the services.
    /// </summary>
    private readonly ConditionalWeakTable<ModuleSnapshot, Built> _cache = new();

    private sealed record Built(ImmutableArray<Open311Service> All);

    /// <summary>
    /// The services as of the current module snapshot: the built-ins in their order (a module's in the place of the
    /// built-in it replaces), then the other modules' by code, <c>other</c> last.
    /// </summary>
    public ImmutableArray<Open311Service> All => _cache.GetValue(modules.Current, static snapshot => new Built(Of(snapshot))).All;

    private static ImmutableArray<Open311Service> Of(ModuleSnapshot snapshot)
    {
        var fromModules = snapshot.Matters.Values.Select(Open311Service.Of).ToDictionary(s => s.Code, StringComparer.Ordinal);
        return
        [
            // A built-in generic service gives way to a module's: the module's matter of the same code replaces it, and
            // matters named after it ("shopfront_goods", "shopfront_litter") take its place.
            .. BuiltIn.Where(b => b.Code != ModuleChecks.ReservedMatter && !fromModules.Keys.Any(k => k.StartsWith(b.Code + "_", StringComparison.Ordinal)))
                .Select(b => fromModules.GetValueOrDefault(b.Code) ?? b),
            .. fromModules.Values.Where(s => !BuiltIn.Any(b => b.Code == s.Code)).OrderBy(s => s.Code, StringComparer.Ordinal),
            .. BuiltIn.Where(b => b.Code == ModuleChecks.ReservedMatter),
        ];
    }

    public Open311Service? Find(string code) => All.FirstOrDefault(s => string.Equals(s.Code, code, StringComparison.Ordinal));

    private static readonly ImmutableArray<Open311Service> BuiltIn =
    [
        new("parking", "违停 Illegal parking", "A vehicle parked where it must not be: pavement, fire lane, crossing.", "traffic order", "违停,parking,vehicle",
        [
            new("plate_number", "string", true, "The vehicle's plate number, e.g. 浙C12345.", 1, "As on the plate, without spaces"),
            new("vehicle_type", "singlevaluelist", false, "What kind of vehicle it is.", 2, null,
            [
                new("car", "小型汽车 car"),
                new("truck", "货车 truck"),
                new("motorcycle", "摩托车 motorcycle"),
                new("e_bike", "电动自行车 e-bike"),
            ]),
        ], ClassCode: "E0505"),
        new("shopfront", "门前三包 Shopfront responsibility", "A shop's frontage not kept clean, orderly or green: goods on the pavement, rubbish, damaged planting.", "city appearance", "门前三包,shopfront,shop", [], ClassCode: "E01"),
        new("dust", "工地扬尘 Construction-site dust", "Dust blowing from a building site: uncovered soil, trucks not washed, no spraying.", "environment", "扬尘,dust,construction", [], ClassCode: "E0302"),
        new("billboard", "户外广告 Billboards and shop signs", "An unpermitted, damaged or unsafe billboard or shop sign.", "city appearance", "户外广告,店招,billboard,sign", [], ClassCode: "E02"),
        // A component (部件) damaged or missing: routed to its owner when the bureau's census has it there (docs/catalog.md).
        new("facility", "市政设施 Public facility", "A manhole cover, street light, railing or other public facility missing, broken or unsafe.", "public facilities",
            "井盖,路灯,护栏,设施,manhole,street light,facility", [], ClassCode: "C01"),
        new("other", "其他 Other", "Anything else the city-management bureau should see.", "other", "other", []),
    ];
}
