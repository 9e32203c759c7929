using System.Net;
using System.Text;
using System.Text.Json;
using GridServer.Tests.Silo;

namespace GridServer.Tests.Support;

/// <summary>JSON in and out of the HTTP tests.</summary>
public static class HttpJson
{
    public static StringContent JsonBody(string body) => new(body, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> JsonOf(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.Clone();
    }
}

/// <summary>The people a test grid was given: its A and B officers (A on duty around the clock) and its squad.</summary>
public sealed record Staff(string A, string B, string Squad);

/// <summary>Staffing a grid over HTTP, as an operator does: the one way the HTTP tests give a grid its people.</summary>
public static class Staffing
{
    private static readonly string AllWeek = string.Join(",", Enum.GetNames<DayOfWeek>().Select(d => $"{{\"day\":\"{d}\",\"start\":\"00:00\",\"end\":\"00:00\"}}"));

    /// <summary>
    /// New officers A (on duty all week, a member of the squad) and B, and the squad (new unless named; leader
    /// O-LEADER), made the grid's people.
    /// </summary>
    public static Task<Staff> StaffAsync(this EmbeddedSiloWith silo, string grid, string? squad = null) => StaffAsync(silo.Operator, grid, squad);

    /// <summary>As <see cref="StaffAsync(EmbeddedSiloWith, string, string?)"/>, through any server's operator client (a silo process of a cluster).</summary>
    public static async Task<Staff> StaffAsync(HttpClient operatorClient, string grid, string? squad = null)
    {
        var staff = new Staff($"O-{Guid.NewGuid():N}"[..12], $"O-{Guid.NewGuid():N}"[..12], squad ?? $"SQ-{Guid.NewGuid():N}"[..12]);
        using (var roster = await operatorClient.PutAsync($"/api/officers/{staff.A}/roster", HttpJson.JsonBody($"{{\"weekly\":[{AllWeek}],\"utcOffsetMinutes\":480}}")))
            Assert.Equal(HttpStatusCode.NoContent, roster.StatusCode);
        using (var leader = await operatorClient.PutAsync($"/api/squads/{staff.Squad}/leader", HttpJson.JsonBody("{\"officerId\":\"O-LEADER\"}")))
            Assert.Equal(HttpStatusCode.OK, leader.StatusCode);
        using (var member = await operatorClient.PutAsync($"/api/squads/{staff.Squad}/officers/{staff.A}", null))
            Assert.Equal(HttpStatusCode.OK, member.StatusCode);
        using var put = await operatorClient.PutAsync($"/api/grids/{grid}/responsibility",
            HttpJson.JsonBody($"{{\"squadId\":\"{staff.Squad}\",\"officerA\":\"{staff.A}\",\"officerB\":\"{staff.B}\"}}"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return staff;
    }
}

/// <summary>A case's way through the loop over HTTP, as its officer and the command center take it.</summary>
public static class CaseLoop
{
    /// <summary>
    /// Opens a parking case (through the command center) at the average of the grid's outline corners, which lies inside
    /// the sample's grids, and checks it was matched to the grid; its id.
    /// </summary>
    public static async Task<string> OpenInAsync(this EmbeddedSiloWith silo, string grid, string? description = null)
    {
        using var shape = await silo.Operator.GetAsync($"/api/grids/{grid}");
        var ring = (await HttpJson.JsonOf(shape)).GetProperty("geometry").GetProperty("coordinates")[0];
        var (lon, lat) = (ring.EnumerateArray().Average(p => p[0].GetDouble()), ring.EnumerateArray().Average(p => p[1].GetDouble()));
        using var response = await silo.Dispatcher.PostAsync("/api/cases",
            HttpJson.JsonBody(System.Text.Json.JsonSerializer.Serialize(new { matter = "parking", lon, lat, reporterId = "r", description })));
        var body = await HttpJson.JsonOf(response);
        Assert.Equal(grid, body.GetProperty("gridCode").GetString());
        return body.GetProperty("caseId").GetString()!;
    }

    /// <summary>The officer accepts, handles and feeds back; the command center verifies and closes. Every step must be taken.</summary>
    public static async Task CloseAsync(this EmbeddedSiloWith silo, string id, HttpClient officer)
    {
        foreach (var (action, actor) in new[] { ("Accept", officer), ("StartHandling", officer), ("GiveFinalFeedback", officer),
                     ("StartVerification", silo.Dispatcher), ("PassVerification", silo.Dispatcher), ("Close", silo.Dispatcher) })
        {
            using var step = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(actor, $"/api/cases/{id}/actions", new { action, note = "done" });
            Xunit.Assert.Equal(HttpStatusCode.OK, step.StatusCode);
        }
    }
}
