using GridServer.Domain.Export;
using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using GridServer.SampleData;
using GridServer.Tests.Support;

namespace GridServer.Tests.Silo;

/// <summary>The sample district shipped in gis-data/, which the embedded server and the verbs fall back to.</summary>
public class ShippedSampleTests
{
    private static string ShippedFile => Path.Combine(SharedData.RepositoryRoot, "gis-data", LuchengSample.FileName);

    [Fact]
    public void ShippedSample_File_IsByteForByteWhatTheGeneratorWritesNow()
    {
        using var generated = new MemoryStream();
        GeoJsonGridWriter.Write(generated, LuchengSample.Generate());

        var shipped = File.ReadAllBytes(ShippedFile);

        Assert.True(generated.ToArray().AsSpan().SequenceEqual(shipped),
            $"{ShippedFile} differs from what LuchengSample generates ({shipped.Length} bytes shipped, {generated.Length} generated); " +
            "regenerate it with: dotnet run --project gis-data/generator");
    }

    [Fact]
    public void ShippedSample_Import_3000CjT213GridsOfCounty330302WithoutFindings()
    {
        var (result, dataset, crs) = GridFiles.Check(ShippedFile, new GridImportOptions(), null, null, TimeProvider.System);

        Assert.True(result.Accepted);
        Assert.Empty(result.Issues);
        Assert.Empty(result.Gaps);
        Assert.Equal("WGS 84 (EPSG:4326)", crs.Name);
        Assert.Equal(3000, dataset.Features.Count);
        Assert.Equal(3000, result.Grids.Select(g => g.Code).Distinct().Count());
        Assert.All(result.Grids, g =>
        {
            Assert.True(CjT213Code.TryParse(g.Code, out var code, out var error), error);
            Assert.Equal(LuchengSample.CountyCode, code.CountyCode);
            Assert.Equal((code.StreetCode, code.CommunityCode), (g.StreetCode, g.CommunityCode));
        });
    }
}
