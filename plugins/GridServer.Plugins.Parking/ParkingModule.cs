using System.Collections.Immutable;
using GridServer.Plugins.Contracts;

namespace GridServer.Plugins.Parking;

/// <summary>
/// Illegal parking (违停) and blocked fire lanes (占用消防通道): a vehicle where it must not be is moved quickly or
/// not at all, so the limits are short — accepted within 10 minutes, handled within 30. Every report names the
/// plate, checked as a Chinese plate number (new-energy plates included). No-parking bays with a sensor (地磁) open a
/// case of their own when a vehicle stays too long (<c>ParkingModule.Bays.cs</c>).
/// </summary>
public sealed partial class ParkingModule : IDutyModule
{
    public const string Parking = "parking";
    public const string FireLane = "fire_lane";

    private static readonly MatterTimeLimits Short = new(AcceptWithin: TimeSpan.FromMinutes(10), HandleWithin: TimeSpan.FromMinutes(30));

    private static readonly ImmutableArray<MatterQuestion> Vehicle =
    [
        new("plate_number", AttributeDatatype.String, Required: true, "The vehicle's plate number, e.g. 浙C12345 or 浙CD12345.", 1,
            DatatypeDescription: "As on the plate; spaces and the dot may be left in"),
        new("vehicle_type", AttributeDatatype.SingleValueList, Required: false, "What kind of vehicle it is.", 2,
        [
            new("car", "小型汽车 car"),
            new("truck", "货车 truck"),
            new("bus", "客车 bus"),
            new("motorcycle", "摩托车 motorcycle"),
        ]),
    ];

    public string ContractVersion => DutyContract.Version;

    public string Name => "parking (违停)";

    public string Version => "1.1.0";

    public IReadOnlyList<MatterDefinition> Matters { get; } =
    [
        new(Parking, "违停 Illegal parking", "traffic order", "A vehicle parked where it must not be: pavement, crossing, no-parking zone.",
            Vehicle, Short, "违停,parking,vehicle") { ClassCode = "E0505" },   // CJ/T 214 机动车乱停放
        new(FireLane, "占用消防通道 Blocked fire lane", "traffic order", "A vehicle standing in a fire lane or in front of a fire exit.",
            Vehicle, Short, "消防通道,fire lane,fire exit") { ClassCode = "E0505" },
    ];

    public IReadOnlyList<ReportProblem> ValidateReport(MatterReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var plate = report.Attributes.GetValueOrDefault("plate_number");
        if (string.IsNullOrWhiteSpace(plate)) return [new ReportProblem("plate_number", "the plate number is required")];
        if (PlateNumber.KindOf(plate) is null)
        {
            return [new ReportProblem("plate_number",
                $"'{(plate.Length <= 20 ? plate : plate[..20] + "…")}' is not a Chinese plate number: a province (浙), the office's letter (C), " +
                "then five letters or digits (12345), four and 学/挂/警/港/澳, or six for a new-energy vehicle (D12345, 12345D)")];
        }
        return [];
    }
}
