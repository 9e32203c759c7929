using System.Globalization;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GridServer.Tests.Support;

/// <summary>
/// The silo executable hosted in the test process (in-memory HTTP, real Orleans on free loopback ports),
/// configured with the given <c>GridServer:*</c> settings on top of the defaults.
/// </summary>
public sealed class SiloFactory(Dictionary<string, string> settings) : WebApplicationFactory<Program>
{
    public SiloFactory() : this(new Dictionary<string, string>())
    {
    }

    public int SiloPort { get; } = FreePorts.Next();

    public int GatewayPort { get; } = FreePorts.Next();

    /// <summary>A client holding the operator's credential (grids and personnel).</summary>
    public HttpClient CreateOperatorClient() => CreateClient();

    protected override IHost CreateHost(IHostBuilder builder)
    {
        // Host configuration, not app configuration: SiloHost reads storage and ports before it builds the app,
        // and only host configuration reaches a minimal-hosting Program that early (it is passed as arguments).
        var all = new Dictionary<string, string?>(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
        {
            ["GridServer:Orleans:SiloPort"] = SiloPort.ToString(CultureInfo.InvariantCulture),
            ["GridServer:Orleans:GatewayPort"] = GatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(all));
        return base.CreateHost(builder);
    }
}
