using System.Collections.Immutable;
using System.Text;
using GridServer.Abstractions.Grids;
using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using GridServer.Grains.Grids;
using NetTopologySuite.Geometries;

namespace GridServer.Tests.Grids;

/// <summary>The plain parts of a grid change, without a cluster: reading the request, a merge's request, the answer's lines.</summary>
public sealed class GridChangeRulesTests
{
    private const string Square =
        """{"type":"Feature","properties":{"code":"330302001001001"},"geometry":{"type":"Polygon","coordinates":[[[120.6,28.0],[120.61,28.0],[120.61,28.01],[120.6,28.01],[120.6,28.0]]]}}""";

    private static GridChangeRequest Request(string json, bool replace = false, string scheme = "CjT213") =>
        new(Encoding.UTF8.GetBytes(json), replace, false, "operator-1", scheme);

    private static string Collection(params string[] features) => $$"""{"type":"FeatureCollection","features":[{{string.Join(",", features)}}]}""";

    [Fact]
    public void Read_AFeatureCollection_GivesItsFeaturesAndScheme()
    {
        var read = GridChangeRules.Read(Request(Collection(Square), scheme: "free"), out var refusal);

        Assert.Null(refusal);
        Assert.NotNull(read);
        Assert.Single(read.Value.Dataset.Features);
        Assert.Equal(GridCodeScheme.Free, read.Value.Scheme);
    }

    [Theory]
    [InlineData("CJT214")]
    [InlineData("")]
    [InlineData("7")]
    public void Read_AnUnknownCodeScheme_IsRefusedNamingTheSchemes(string scheme)
    {
        Assert.Null(GridChangeRules.Read(Request(Collection(Square), scheme: scheme), out var refusal));
        Assert.Contains("use CjT213 or Free", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    [InlineData("[1,2]")]
    public void Read_WhatIsNotAGridCollection_IsRefusedWithoutTheFilesMadeUpName(string json)
    {
        Assert.Null(GridChangeRules.Read(Request(json), out var refusal));
        Assert.False(string.IsNullOrWhiteSpace(refusal));
        Assert.DoesNotContain("change.geojson", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoFeatures_IsRefused_AndAReplaceSaysItWouldRetireEveryGrid()
    {
        Assert.Null(GridChangeRules.Read(Request(Collection()), out var partial));
        Assert.Equal("the change has no features", partial);
        Assert.Null(GridChangeRules.Read(Request(Collection(), replace: true), out var whole));
        Assert.Contains("retire every grid", whole, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "at least two")]
    [InlineData(new[] { "A" }, "at least two")]
    [InlineData(new[] { "A", "B", "A", "C", "C" }, "named more than once: A, C")]
    public void MergeCodesProblem_TooFewOrRepeated_SaysWhich(string[] codes, string says)
    {
        Assert.Contains(says, GridChangeRules.MergeCodesProblem([.. codes]), StringComparison.Ordinal);
    }

    [Fact]
    public void MergeCodesProblem_TwoDifferentCodes_None()
    {
        Assert.Null(GridChangeRules.MergeCodesProblem(["A", "B"]));
        Assert.NotNull(GridChangeRules.MergeCodesProblem(default));
    }

    [Fact]
    public void MergeInto_OneFeature_TakesTheUnionAsItsGeometry()
    {
        var into = GridChangeRules.Read(Request(Collection(Square)), out _)!.Value.Dataset;
        var union = new GeometryFactory().ToGeometry(new Envelope(120.0, 121.0, 28.0, 29.0));

        var (merged, refusal) = GridChangeRules.MergeInto(into, union);

        Assert.Null(refusal);
        Assert.Same(union, merged.Features[0].Geometry);
    }

    [Fact]
    public void MergeInto_TwoFeatures_IsRefused()
    {
        var into = GridChangeRules.Read(Request(Collection(Square, Square)), out _)!.Value.Dataset;

        var (_, refusal) = GridChangeRules.MergeInto(into, Polygon.Empty);

        Assert.Contains("gave 2 features", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_ManyIssues_TheFirstHundredAndACountOfTheRest()
    {
        var issues = Enumerable.Range(0, 130).Select(i => new ImportIssue(ImportIssueKind.MissingCode, i, null, $"problem {i}", true));

        var lines = GridChangeRules.Lines(issues);

        Assert.Equal(GridChangeRules.MaxReported + 1, lines.Length);
        Assert.Equal("… and 30 more", lines[^1]);
        Assert.Empty(GridChangeRules.Lines([]));
    }
}
