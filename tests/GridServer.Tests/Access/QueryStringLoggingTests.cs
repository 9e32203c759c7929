using System.Net;
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
}
