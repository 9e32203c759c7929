using System.Diagnostics;
using GridServer.Tests.Support;

namespace GridServer.Tests.Silo;

/// <summary>
/// The Open311 face as a third-party client sees it: tests/clients/georeport_client.py, written the way the published
/// Python and Ruby clients are (discovery read for every endpoint and format, media types compared literally, XML
/// turned into dictionaries with xmltodict), run against the server as its own process over real HTTP.
/// </summary>
public sealed class Open311ClientTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public async Task GeoReportClient_WithXmltodict_EveryEndpointAndFormatOfTheDiscoveryDocument()
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: scripts/test.sh installs python3 and python3-xmltodict");
        await using var server = new SiloProcess("open311-client", new Dictionary<string, string>
        {
            ["GridServer:Open311:ApiKeys:0"] = Open311Silo.ApiKey,
        });
        await server.WaitHealthyAsync(TimeSpan.FromMinutes(3));

        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(SharedData.RepositoryRoot, "tests", "clients", "georeport_client.py"), $"http://127.0.0.1:{server.HttpPort}", Open311Silo.ApiKey, "120.65", "28.0" })
            start.ArgumentList.Add(argument);
        using var client = Process.Start(start)!;
        var output = client.StandardOutput.ReadToEndAsync();
        var error = client.StandardError.ReadToEndAsync();
        await client.WaitForExitAsync();

        var said = $"{await output}{await error}";
        Assert.True(client.ExitCode == 0, $"the client failed (exit {client.ExitCode}):{Environment.NewLine}{said}{Environment.NewLine}{server.Output}");
        Assert.Contains("all checks held", said, StringComparison.Ordinal);
        Assert.Contains("services.xml answers 200 with exactly text/xml", said, StringComparison.Ordinal);
        Assert.Contains("POST requests.json answers", said, StringComparison.Ordinal);
    }
}
