using System.Net;
using System.Text;
using GridServer.Tests.Silo;

namespace GridServer.Tests.Support;

/// <summary>People for a grid, set up over HTTP by the operator, as a bureau does.</summary>
public static class Staffing
{
    /// <summary>
    /// Makes officers A and B (fresh ids) responsible for the grid in a fresh squad, A on duty around the clock, and
    /// returns them with a client holding A's credential.
    /// </summary>
    public static async Task<(string A, string B, string Squad, HttpClient OfficerA)> StaffAsync(this EmbeddedSiloWith silo, string grid)
    {
        static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
        var (a, b, squad) = ($"O-{Guid.NewGuid():N}"[..12], $"O-{Guid.NewGuid():N}"[..12], $"SQ-{Guid.NewGuid():N}"[..12]);
        var week = string.Join(",", Enum.GetNames<DayOfWeek>().Select(d => $"{{\"day\":\"{d}\",\"start\":\"00:00\",\"end\":\"00:00\"}}"));
        using (var roster = await silo.Operator.PutAsync($"/api/officers/{a}/roster", Json($"{{\"weekly\":[{week}],\"utcOffsetMinutes\":480}}")))
            Assert.Equal(HttpStatusCode.NoContent, roster.StatusCode);
        using (var leader = await silo.Operator.PutAsync($"/api/squads/{squad}/leader", Json("{\"officerId\":\"O-LEADER\"}")))
            Assert.Equal(HttpStatusCode.OK, leader.StatusCode);
        using var put = await silo.Operator.PutAsync($"/api/grids/{grid}/responsibility", Json($"{{\"squadId\":\"{squad}\",\"officerA\":\"{a}\",\"officerB\":\"{b}\"}}"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return (a, b, squad, await silo.AsAsync("Officer", a));
    }
}
