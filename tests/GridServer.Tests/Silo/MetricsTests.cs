using System.Net;
using GridServer.Silo.Hosting;
using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>Metrics as an operations team scrapes them: operators only, and what the server did shows in them.</summary>
public sealed class MetricsTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{
    [Fact]
    public async Task Metrics_OnlyForOperators_AndAReportShowsAsOpenedDispatchedAndOpen()
    {
        using (var anonymous = await silo.Client.GetAsync("/metrics"))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using (var dispatcher = await silo.Dispatcher.GetAsync("/metrics"))
            Assert.Equal(HttpStatusCode.Forbidden, dispatcher.StatusCode);

        using (var opened = await silo.Dispatcher.PostAsync("/api/cases", JsonBody("""{"matter":"parking","lon":120.65,"lat":28.0,"reporterId":"metrics-test"}""")))
            Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        await silo.Factory.Services.GetRequiredService<OpenCasesGauge>().CountAsync(CancellationToken.None);

        using var scraped = await silo.Operator.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        var text = await scraped.Content.ReadAsStringAsync();
        Assert.Contains("gridserver_cases_opened_total{", text, StringComparison.Ordinal);
        Assert.Contains("matter=\"parking\"", text, StringComparison.Ordinal);
        Assert.Contains("gridserver_cases_dispatch_duration_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.Contains("gridserver_cases_steps_total{", text, StringComparison.Ordinal);
        Assert.Matches("gridserver_cases_open\\{[^}]*state=\"[A-Za-z]+\"[^}]*\\} [1-9]", text);
        // Seconds, in buckets for seconds (not the milliseconds' default of 0 to 10,000).
        Assert.Contains("gridserver_cases_dispatch_duration_seconds_bucket{otel_scope_name=\"GridServer\",le=\"0.05\"}", text, StringComparison.Ordinal);
        // Orleans' and ASP.NET Core's own meters are there too.
        Assert.Contains("orleans_", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
    }
}
