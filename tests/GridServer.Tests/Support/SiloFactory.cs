using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace GridServer.Tests.Support;

/// <summary>
/// The silo executable hosted in the test process (in-memory HTTP, real Orleans on a free loopback port), configured
/// with the given <c>GridServer:*</c> settings on top of the defaults; a PostgreSQL silo with the test cluster's TLS
/// unless the settings say otherwise.
/// </summary>
public sealed class SiloFactory(Dictionary<string, string> settings, Action<IServiceCollection>? replace = null) : WebApplicationFactory<Program>
{
    public SiloFactory() : this(new Dictionary<string, string>())
    {
    }

    /// <summary>What the server logged about refused requests (category DenialLog).</summary>
    public RecordingLoggerProvider Denials { get; } = new("GridServer.Silo.Access.DenialLog");

    /// <summary>Every message the server's logging configuration lets through, of any category.</summary>
    public RecordingLoggerProvider Everything { get; } = new(null);

    public int SiloPort { get; } = FreePorts.Next();

    /// <summary>The first operator's key every test server is configured with.</summary>
    public const string OperatorKey = "test-operator-key-0123456789";

    /// <summary>A dispatcher's key from configuration, subject <see cref="DispatcherId"/>.</summary>
    public const string DispatcherKey = "test-dispatcher-key-0123456789";

    public const string DispatcherId = "D-TEST";

    /// <summary>A client holding the operator's credential (grids and personnel).</summary>
    public HttpClient CreateOperatorClient() => CreateClientWith(OperatorKey);

    /// <summary>A client holding the command center's (dispatcher's) credential.</summary>
    public HttpClient CreateDispatcherClient() => CreateClientWith(DispatcherKey);

    /// <summary>A client that presents a secret as a bearer token.</summary>
    public HttpClient CreateClientWith(string secret)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    /// <summary>A credential issued by the operator over HTTP, as a bureau issues one: the secret from the answer.</summary>
    public async Task<string> IssueAsync(string role, string subject)
    {
        using var operatorClient = CreateOperatorClient();
        using var response = await operatorClient.PostAsync("/api/credentials", new StringContent(
            System.Text.Json.JsonSerializer.Serialize(new { role, subject }), System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != System.Net.HttpStatusCode.Created) throw new InvalidOperationException($"issuing a {role} credential failed: {body}");
        using var document = System.Text.Json.JsonDocument.Parse(body);
        return document.RootElement.GetProperty("secret").GetString()!;
    }

    /// <summary>A client holding a freshly issued credential of the role for the subject.</summary>
    public async Task<HttpClient> CreateClientAsAsync(string role, string subject) => CreateClientWith(await IssueAsync(role, subject));

    /// <summary>Services the test puts in place of the server's (e.g. a clock it moves), registered after the server's.</summary>
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        if (replace is not null) builder.ConfigureTestServices(replace);
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        // Host configuration, not app configuration: SiloHost reads storage and ports before it builds the app,
        // and only host configuration reaches a minimal-hosting Program that early (it is passed as arguments).
        // No gateway (the default): the tests call the silo's grains in process and its HTTP face in memory.
        var all = new Dictionary<string, string?>(TestCertificates.WithClusterTls(settings).Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
        {
            ["GridServer:Orleans:SiloPort"] = SiloPort.ToString(CultureInfo.InvariantCulture),
        };
        all.TryAdd("Logging:LogLevel:Default", "Warning");
        all.TryAdd("GridServer:Auth:OperatorKey", OperatorKey);
        all.TryAdd("GridServer:Auth:Keys:99:Key", DispatcherKey);
        all.TryAdd("GridServer:Auth:Keys:99:Role", "Dispatcher");
        all.TryAdd("GridServer:Auth:Keys:99:Subject", DispatcherId);
        builder.ConfigureHostConfiguration(c => c.AddInMemoryCollection(all));
        builder.ConfigureLogging(l => l.AddProvider(Denials).AddProvider(Everything));
        return base.CreateHost(builder);
    }
}
