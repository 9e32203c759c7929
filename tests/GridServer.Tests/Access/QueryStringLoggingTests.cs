using System.Net;
using System.Net.Sockets;
using System.Text;
using GridServer.Silo.Hosting;
using GridServer.Tests.Support;

namespace GridServer.Tests.Access;

/// <summary>
/// A key sent in a query string is refused, and must not reach a log either: ASP.NET Core's request lines carry the
/// whole URL, so the server keeps them out of every logger, whatever the logging configuration asks.
/// </summary>
public sealed class QueryStringLoggingTests
{
    private const string Secret = "query-string-secret-7f3a9c1e5b2d";

    [Theory]
    [InlineData("Logging:LogLevel:Default", "Information")]   // what the server logs unless configured otherwise
    [InlineData("Logging:LogLevel:Default", "Trace")]         // an operator turning everything up
    [InlineData("Logging:GridServer.Tests.Support.RecordingLoggerProvider:LogLevel:" + SiloHost.RequestLogCategory, "Trace")]   // the request lines asked for by name
    public async Task KeyInQueryString_Refused_AndInNoLogMessageAtAnyLevel(string setting, string level)
    {
        await using var factory = new SiloFactory(new() { [setting] = level });
        using var client = factory.CreateClient();

        using var report = await client.PostAsync($"/open311/v2/requests.json?api_key={Secret}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["service_code"] = "dust", ["lat"] = "28.0", ["long"] = "120.6" }));
        using var me = await client.GetAsync($"/api/me?api_key={Secret}");

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Unauthorized), (report.StatusCode, me.StatusCode));
        var logged = factory.Everything.Messages.ToList();
        Assert.Contains(logged, m => m.Contains("api_key in the query string", StringComparison.Ordinal));   // the recorder hears the server
        Assert.DoesNotContain(logged, m => m.Contains(Secret, StringComparison.Ordinal));
    }

    /// <summary>
    /// A malformed request line carrying a key, to a real Kestrel whose own logging is turned up to Trace: refused
    /// (400), and the line Kestrel quotes at Debug reaches no log.
    /// </summary>
    [Fact]
    public async Task MalformedRequestLineWithAKey_RefusedByKestrel_AndInNoLogWithKestrelAtTrace()
    {
        await using var silo = new SiloProcess("bad-request-log", new Dictionary<string, string> { ["Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel"] = "Trace" });
        await silo.WaitHealthyAsync(TimeSpan.FromMinutes(3));
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(IPAddress.Loopback, silo.HttpPort);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /open311/v2/requests.json?api_key={Secret} two-targets HTTP/1.1\r\nHost: localhost\r\n\r\n"));
            using var reader = new StreamReader(stream, Encoding.ASCII);
            Assert.StartsWith("HTTP/1.1 400", await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
        }
        // The server's own lines still come (the process logs as it runs); the key is in none of them.
        using (var health = await silo.Client.GetAsync("/health/live")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("Kestrel", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, silo.Output, StringComparison.Ordinal);
    }
}
