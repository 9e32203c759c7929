using GridServer.Domain.Geo;
using GridServer.Domain.Grids;

namespace GridServer.SampleData;

/// <summary>
/// The shipped sample: part of Lucheng district, Wenzhou (county code 330302), as 3,000 irregular unit
/// grids of about 100 m × 100 m in 8 streets of 15 communities each, with CJ/T 213 codes. Street names
/// are Lucheng's; community names are made up. Deterministic: the same file on every machine.
/// </summary>
public static class LuchengSample
{
    public const string CountyCode = "330302";
    public const string FileName = "lucheng-grids.geojson";

    private static readonly string[] Streets = ["五马街道", "松台街道", "大南街道", "南郊街道", "广化街道", "滨江街道", "蒲鞋市街道", "南汇街道"];
    private static readonly string[] CommunitySuffixes =
        ["东", "西", "南", "北", "中", "新村", "花园", "锦园", "水街", "河畔", "桥头", "广场", "湖滨", "山前", "南塘"];

    // 8 street blocks (4 × 2), each 15 × 25 grids; a community is 5 × 5 grids, so 15 communities a street.
    private const int BlockColumns = 15, BlockRows = 25, CommunitySide = 5;

    public static IReadOnlyList<Grid> Generate()
    {
        var cells = TilingGenerator.Generate(new TilingSpec(120.620, 27.990, 4 * BlockColumns, 2 * BlockRows, 100, 6, Seed: 330302, Decimals: 7));
        var validFrom = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(8));
        var grids = new List<Grid>(cells.Count);
        foreach (var cell in cells)
        {
            var street = (cell.Row / BlockRows) * 4 + cell.Column / BlockColumns;            // 0..7
            var inBlockColumn = cell.Column % BlockColumns; var inBlockRow = cell.Row % BlockRows;
            var community = (inBlockRow / CommunitySide) * (BlockColumns / CommunitySide) + inBlockColumn / CommunitySide; // 0..14
            var sequence = (inBlockRow % CommunitySide) * CommunitySide + inBlockColumn % CommunitySide + 1;            // 1..25
            var code = CjT213Code.Create(CountyCode, street + 1, community + 1, sequence);
            var streetName = Streets[street];
            var communityName = streetName[..2] + CommunitySuffixes[community] + "社区";
            grids.Add(new Grid(code.Value, $"{communityName}第{sequence:D2}网格", code.StreetCode, streetName,
                code.CommunityCode, communityName, cell.Boundary, GridArea.AreaSquareMetres(cell.Boundary), 1, validFrom));
        }
        return grids.OrderBy(g => g.Code, StringComparer.Ordinal).ToList();
    }
}
