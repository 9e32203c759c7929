using System.Net;
using GridServer.Domain.Catalog;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Plugins;
using GridServer.Tests.Silo;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Catalog;

/// <summary>
/// The CJ/T 214 catalog: the built-in one whole and consistent, a bureau's file read strictly, matters naming a class
/// the catalog has (a module naming another is refused), <c>GET /api/catalog</c>, and evaluation grouped by class.
/// </summary>
public sealed class MatterCatalogTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{
    [Fact]
    public void Default_HasEveryMajorClassOfBothKinds_AndEveryMinorUnderItsMajor()
    {
        var catalog = MatterCatalog.Default;
        var majors = catalog.Classes.Where(c => c.IsMajor).Select(c => c.Code).ToList();

        Assert.Equal(["C01", "C02", "C03", "C04", "C05", "C06", "E01", "E02", "E03", "E04", "E05", "E06"], majors);
        Assert.All(catalog.Classes.Where(c => !c.IsMajor), c => Assert.Equal(c.Code[..3], catalog.MajorOf(c.Code)!.Code));
        Assert.Equal(("店外经营", CatalogKind.Event), (catalog.Find("E0504")!.Name, catalog.Find("E0504")!.Kind));
        Assert.Equal(("公用设施", CatalogKind.Component), (catalog.MajorOf("C0101")!.Name, catalog.Find("C0101")!.Kind));
    }

    [Theory]
    [InlineData("E0505", null)]
    [InlineData("E05", null)]
    [InlineData("E0599", "class E0599 is not in the catalog")]
    [InlineData("X0101", "not a CJ/T 214 class code")]
    [InlineData("e0505", "not a CJ/T 214 class code")]
    [InlineData("E050", "not a CJ/T 214 class code")]
    [InlineData("", "not a CJ/T 214 class code")]
    public void Problem_NamesWhatIsWrongWithACode(string code, string? expected)
    {
        var problem = MatterCatalog.Default.Problem(code);

        if (expected is null) Assert.Null(problem);
        else Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("E05\t街面秩序\nE0599\t夜市占道\n", null)]
    [InlineData("# a bureau's edition\n\nE05\t街面秩序\n", null)]
    [InlineData("E05 街面秩序\n", "line 1: 1 fields")]
    [InlineData("E05\t街面秩序\nE0599\t夜市\t占道\n", "line 2: 3 fields")]
    [InlineData("E0599\t夜市占道\nE05\t街面秩序\n", "line 1: minor class E0599 comes before (or without) its major class E05")]
    [InlineData("E05\t街面秩序\nE05\t另一个\n", "line 2: class E05 is listed twice")]
    [InlineData("Z05\t街面秩序\n", "line 1: 'Z05' is not a class code")]
    [InlineData("E05\t\n", "line 1: the name must be 1 to 100 characters")]
    [InlineData("E05\t街面\u0001秩序\n", "without control characters")]
    [InlineData("# nothing\n", "no classes")]
    public void Read_ABureausFile_StrictlyNamingTheLine(string text, string? expected)
    {
        var read = () => MatterCatalog.Read(new StringReader(text), "bureau.tsv");

        if (expected is null) Assert.NotEmpty(read().Classes);
        else Assert.Contains(expected, Assert.Throws<FormatException>(read).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AModuleNamingAClassTheCatalogLacks_IsRefusedNamingIt()
    {
        MatterDefinition Matter(string? classCode) => new("manhole", "井盖", "public facilities", "a cover", []) { ClassCode = classCode };

        Assert.Null(ModuleChecks.DeclarationProblem("m", "1", [Matter("C0101")]));
        Assert.Null(ModuleChecks.DeclarationProblem("m", "1", [Matter(null)]));
        Assert.Contains("matter 'manhole': class C0199 is not in the catalog", ModuleChecks.DeclarationProblem("m", "1", [Matter("C0199")]), StringComparison.Ordinal);
        var bureau = MatterCatalog.Read(new StringReader("C01\t公用设施\nC0199\t智慧井盖\n"), "bureau.tsv");
        Assert.Null(ModuleChecks.DeclarationProblem("m", "1", [Matter("C0199")], bureau));
    }

    [Fact]
    public async Task Api_ListsTheClassesWithTheirMatters_AndTheUnclassified()
    {
        using var response = await silo.Dispatcher.GetAsync("/api/catalog");
        var body = await JsonOf(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var parking = body.GetProperty("classes").EnumerateArray().Single(c => c.GetProperty("code").GetString() == "E0505");
        Assert.Equal(("机动车乱停放", "event", "E05"), (parking.GetProperty("name").GetString(), parking.GetProperty("kind").GetString(), parking.GetProperty("major").GetString()));
        Assert.Contains(parking.GetProperty("matters").EnumerateArray(), m => m.GetProperty("code").GetString() == "parking");
        Assert.Contains(body.GetProperty("unclassified").EnumerateArray(), m => m.GetProperty("code").GetString() == "other");
        using var officer = await silo.AsAsync("officer", "O-CAT");
        Assert.Equal(HttpStatusCode.Forbidden, (await officer.GetAsync("/api/catalog")).StatusCode);
    }

    [Fact]
    public async Task Evaluation_ByClass_CountsAReportUnderItsMattersClass_NamedFromTheCatalog()
    {
        var opened = await silo.OpenInAsync("33030200200910");

        var table = await JsonOf(await silo.Dispatcher.GetAsync("/api/evaluation?level=class&period=month"));
        var majors = await JsonOf(await silo.Dispatcher.GetAsync("/api/evaluation?level=classmajor&period=month"));

        var row = table.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("code").GetString() == "E0505");
        Assert.Equal("机动车乱停放", row.GetProperty("name").GetString());
        Assert.True(row.GetProperty("received").GetInt64() >= 1, row.ToString());
        Assert.Equal("街面秩序", majors.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("code").GetString() == "E05").GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(opened));
    }

    [Fact]
    public async Task ABureausCatalogThatCannotBeRead_StopsTheStart_NamingTheLine()
    {
        var file = Path.Combine(Path.GetTempPath(), $"catalog-{Guid.NewGuid():N}.tsv");
        await File.WriteAllTextAsync(file, "E05\t街面秩序\nE0599 夜市占道\n");
        try
        {
            await using var factory = new SiloFactory(new Dictionary<string, string> { ["GridServer:Catalog:File"] = file });
            var failure = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
            Assert.Contains("line 2: 1 fields", failure.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
