using System.Collections.Immutable;

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

/// <summary>A service a citizen can report (an Open311 service type). Its code is the case's matter.</summary>
public sealed record Open311Service(
    string Code, string Name, string Description, string Group, string Keywords, ImmutableArray<Open311Question> Attributes)
{
    /// <summary>True when the service has a definition with attributes (Open311 "metadata").</summary>
    public bool Metadata => !Attributes.IsDefaultOrEmpty;
}

/// <summary>
/// The services offered through Open311. For now a fixed built-in list; the duty-module plugins will feed this
/// class (and it must then change without a restart), so nothing else keeps a list of services.
/// </summary>
public sealed class Open311Services
{
    public ImmutableArray<Open311Service> All { get; } = BuiltIn;

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
        ]),
        new("shopfront", "门前三包 Shopfront responsibility", "A shop's frontage not kept clean, orderly or green: goods on the pavement, rubbish, damaged planting.", "city appearance", "门前三包,shopfront,shop", []),
        new("dust", "工地扬尘 Construction-site dust", "Dust blowing from a building site: uncovered soil, trucks not washed, no spraying.", "environment", "扬尘,dust,construction", []),
        new("billboard", "户外广告 Billboards and shop signs", "An unpermitted, damaged or unsafe billboard or shop sign.", "city appearance", "户外广告,店招,billboard,sign", []),
        new("other", "其他 Other", "Anything else the city-management bureau should see.", "other", "other", []),
    ];
}
