using GridServer.Domain.Export;
using GridServer.SampleData;

// Writes the sample district next to the migrations: gis-data/lucheng-grids.geojson.
// Usage: dotnet run --project gis-data/generator [-- OUTPUT]
var output = args.Length > 0 ? args[0] : Path.Combine(FindGisData(), LuchengSample.FileName);
var grids = LuchengSample.Generate();
GeoJsonGridWriter.WriteFile(output, grids);
Console.WriteLine($"wrote {grids.Count} grids to {output}");
return 0;

static string FindGisData()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        var candidate = Path.Combine(dir.FullName, "gis-data");
        if (Directory.Exists(Path.Combine(candidate, "migrations"))) return candidate;
    }
    throw new DirectoryNotFoundException("run from inside the GridServer repository, or name the output file");
}
