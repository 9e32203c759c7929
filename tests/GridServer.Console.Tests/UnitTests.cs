using System.Diagnostics;
using GridServer.Domain.Geo;

namespace GridServer.Console.Tests;

/// <summary>The console's own geometry code (coordinate shifts, snapping, splitting), run with node, and its agreement with the server.</summary>
public sealed class UnitTests
{
    [Fact]
    public async Task ConsoleGeometryTests_RunWithNode_AllPass()
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Support.ConsoleServer.ConsoleSources, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--test");
        start.ArgumentList.Add("test/");
        using var node = Process.Start(start)!;
        var output = await node.StandardOutput.ReadToEndAsync();
        var errors = await node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        Assert.True(node.ExitCode == 0, output + errors);
        Assert.Contains("# fail 0", output, StringComparison.Ordinal);
    }

    /// <summary>The known point the console's own test (console/test/geo.test.mjs) uses: both shift it to the same place.</summary>
    [Fact]
    public void ChineseOffsets_KnownWenzhouPoint_GivesTheConsolesFigures()
    {
        var (lon, lat) = ChineseOffsets.Wgs84ToGcj02(120.65, 28.0);
        Assert.Equal(120.65396373019978, lon, 1e-12);
        Assert.Equal(27.99662660024639, lat, 1e-12);
    }
}
