using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GridServer.Domain.Audit;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>
/// 操作审计 through the real host: changes are logged with who, what was sent and answered, and what stood before; refused
/// changes too; secrets never; case steps and reads not at all; only operators read the log; bad queries say why.
/// </summary>
public sealed class AuditEndpointsTests(EmbeddedSilo silo) : IClassFixture<EmbeddedSilo>
{
    private async Task<List<JsonElement>> AuditAsync(string query)
    {
        using var response = await silo.Operator.GetAsync($"/api/audit?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await JsonOf(response)).GetProperty("entries").EnumerateArray()];
    }

    [Fact]
    public async Task AChange_IsLoggedWithItsActorAndWhatStoodBefore_ARefusedOneToo()
    {
        var squad = $"SQ-AUDIT-{Guid.NewGuid():N}"[..20];
        foreach (var leader in new[] { "O-FIRST", "O-SECOND" })
        {
            using var put = await silo.Operator.PutAsync($"/api/squads/{squad}/leader", JsonBody($"{{\"officerId\":\"{leader}\"}}"));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        using (var refused = await silo.Dispatcher.PutAsync($"/api/squads/{squad}/leader", JsonBody("{\"officerId\":\"O-DISPATCHER\"}")))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var entries = await AuditAsync($"target=/api/squads/{squad}");
        Assert.Equal(3, entries.Count);
        var (denied, second, first) = (entries[0], entries[1], entries[2]);
        Assert.Equal((403, "Dispatcher"), (denied.GetProperty("status").GetInt32(), denied.GetProperty("role").GetString()));
        Assert.Equal(("operator", "Operator", 200), (second.GetProperty("actor").GetString(), second.GetProperty("role").GetString(), second.GetProperty("status").GetInt32()));
        Assert.Equal("PUT /api/squads/{id}/leader", second.GetProperty("action").GetString());
        Assert.Equal($"/api/squads/{squad}/leader", second.GetProperty("target").GetString());
        Assert.Contains("O-SECOND", second.GetProperty("request").GetString());
        // What stood before: the first change of the same path, with what it set.
        Assert.Contains("O-FIRST", second.GetProperty("before").GetProperty("request").GetString());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("before").ValueKind);
        Assert.True(first.GetProperty("seq").GetInt64() < second.GetProperty("seq").GetInt64());

        Assert.All(await AuditAsync("actor=operator&limit=500"), e => Assert.Equal("operator", e.GetProperty("actor").GetString()));
        Assert.Empty(await AuditAsync($"target=/api/squads/{squad}&from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}"));
    }

    [Fact]
    public async Task Secrets_AreMasked_CaseStepsAndReads_AreNotLogged()
    {
        using var issued = await silo.Operator.PostAsJsonAsync("/api/credentials", new { role = "Officer", subject = $"O-AUDIT-{Guid.NewGuid():N}"[..16], label = "audit" });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var secret = (await JsonOf(issued)).GetProperty("secret").GetString()!;
        var logged = Assert.Single(await AuditAsync("target=/api/credentials&limit=500"), e => e.GetProperty("result").GetString()!.Contains("audit", StringComparison.Ordinal));
        Assert.DoesNotContain(secret, logged.GetRawText(), StringComparison.Ordinal);
        Assert.Contains(AuditRecords.Masked, logged.GetProperty("result").GetString(), StringComparison.Ordinal);

        using (var opened = await silo.Dispatcher.PostAsJsonAsync("/api/cases", new { matter = "litter", lon = 120.65, lat = 28.0, reporterId = "r" }))
            Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        using (var searched = await silo.Dispatcher.PostAsJsonAsync("/api/cases/search", new { }))
            Assert.NotEqual(HttpStatusCode.InternalServerError, searched.StatusCode);
        Assert.Empty(await AuditAsync("target=/api/cases"));
        // A photo upload is case work, named on the case's timeline when it is used; its bytes are not kept in the log.
        using (var uploaded = await silo.Dispatcher.PostAsync("/api/media", new ByteArrayContent(TestPhotos.WebP()) { Headers = { ContentType = new("image/webp") } }))
            Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        Assert.Empty(await AuditAsync("target=/api/media"));
        Assert.DoesNotContain(await AuditAsync("limit=500"), e => e.GetProperty("action").GetString()!.StartsWith("GET", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("from=yesterday", "Unreadable time")]
    [InlineData("limit=9999", "Unreadable limit")]
    [InlineData("limit=-1", "Unreadable limit")]
    [InlineData("before=abc", "Unreadable before")]
    [InlineData("actor=a&actor=b", "Repeated parameter")]
    public async Task BadQueries_AreRefusedSayingWhy(string query, string title)
    {
        using var response = await silo.Operator.GetAsync($"/api/audit?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(title, (await JsonOf(response)).GetProperty("title").GetString());
    }

    [Fact]
    public async Task OnlyOperatorsReadTheLog()
    {
        using var asDispatcher = await silo.Dispatcher.GetAsync("/api/audit");
        Assert.Equal(HttpStatusCode.Forbidden, asDispatcher.StatusCode);
        using var anonymous = await silo.Client.GetAsync("/api/audit");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
