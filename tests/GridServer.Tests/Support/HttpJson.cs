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
