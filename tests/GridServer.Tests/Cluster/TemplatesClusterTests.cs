using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GridServer.Domain.Grids;
using GridServer.SampleData;
using GridServer.Storage.Grids;
using GridServer.Tests.Support;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Cluster;

/// <summary>
/// A notice template edited through one silo process on PostgreSQL serves on the others, and on a silo started
/// afterwards; a version saved through another silo and a rollback through the first move them all; a case reported
/// through one silo gets its notice from the version that serves, whichever silo renders it.
/// </summary>
public sealed class TemplatesClusterTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    private const string Name = "dispatch.parking";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [PostgisFact]
    public async Task EditedThroughOneSilo_RendersOnTheOthers_LaterSiloToo_NewVersionAndRollbackMoveAll()
    {
        var sample = LuchengSample.Generate();
        await new PostgisGridStore(database.DataSource, TimeProvider.System).SaveAsync(sample, GridSaveMode.Replace);
        var settings = new Dictionary<string, string>
        {
            ["GridServer:Storage:Provider"] = "PostgreSQL",
            ["GridServer:Storage:ConnectionString"] = database.ConnectionString,
        };
        var silos = new List<SiloProcess> { new("tpl-silo-0", settings), new("tpl-silo-1", settings) };
        try
        {
            await Task.WhenAll(silos.Select(s => s.WaitHealthyAsync(Patience)));

            // Saved through the first: the second serves it (what it renders for a sample case says so too).
            Assert.Equal(1, await SaveAsync(silos[0], "【集群一】{{ case_id }}"));
            await AllServeAsync(silos, 1, "【集群一】");

            // A silo started afterwards serves it from its first poll.
            silos.Add(new SiloProcess("tpl-silo-2", settings));
            await silos[2].WaitHealthyAsync(Patience);
            await AllServeAsync(silos, 1, "【集群一】");

            // A new version through the second: all move; a rollback through the third: all move back.
            Assert.Equal(2, await SaveAsync(silos[1], "【集群二】{{ case_id }}"));
            await AllServeAsync(silos, 2, "【集群二】");
            using (var rollback = await silos[2].Operator.PostAsJsonAsync($"/api/templates/{Name}/activate", new { version = 1 }))
                Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
            await AllServeAsync(silos, 1, "【集群一】");

            // A broken text through any silo is refused there and changes nothing anywhere.
            using (var broken = await silos[1].Operator.PutAsync($"/api/templates/{Name}", new StringContent("第一行\n{{ if }}", Encoding.UTF8, "text/plain")))
                Assert.Equal(HttpStatusCode.UnprocessableEntity, broken.StatusCode);
            await AllServeAsync(silos, 1, "【集群一】");

            // A real case through the second silo: its officer's notice, read through the third, is the version that serves.
            var grid = sample[11];
            var staff = await Staffing.StaffAsync(silos[0].Operator, grid.Code);
            using var officer = await OfficerAsync(silos[2], staff.A);
            var point = grid.Boundary.InteriorPoint;
            using var opened = await silos[1].Dispatcher.PostAsync("/api/cases",
                JsonBody(JsonSerializer.Serialize(new { matter = "parking", lon = point.X, lat = point.Y, reporterId = "r" })));
            var caseId = (await JsonOf(opened)).GetProperty("caseId").GetString()!;
            await Eventually.HoldsAsync($"the officer's dispatch notice of {caseId}, from version 1", async () =>
            {
                using var inbox = await officer.GetAsync("/api/inbox?limit=100");
                return (await JsonOf(inbox)).GetProperty("notices").EnumerateArray()
                    .Any(n => n.GetProperty("text").GetString() == $"【集群一】{caseId}");
            }, Patience);
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    private static async Task<int> SaveAsync(SiloProcess silo, string text)
    {
        using var response = await silo.Operator.PutAsync($"/api/templates/{Name}", new StringContent(text, Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await JsonOf(response)).GetProperty("version").GetInt32();
    }

    /// <summary>Every silo says it serves the version, and renders a sample case with it (preview of what serves).</summary>
    private static Task AllServeAsync(List<SiloProcess> silos, int version, string marker) =>
        Eventually.HoldsAsync($"{silos.Count} silos serving {Name} version {version}", async () =>
        {
            foreach (var silo in silos)
            {
                using var template = await silo.Dispatcher.GetAsync($"/api/templates/{Name}");
                var source = (await JsonOf(template)).GetProperty("summary").GetProperty("servedBy").GetProperty("source").GetString();
                if (source != $"api:{Name}@v{version}") return false;
                using var preview = await silo.Dispatcher.PostAsync($"/api/templates/{Name}/preview", null);
                var first = (await JsonOf(preview)).GetProperty("notices")[0].GetProperty("text").GetString()!;
                Assert.StartsWith(marker, first, StringComparison.Ordinal);
            }
            return true;
        }, Patience);

    /// <summary>A client with an officer's credential, issued by the operator through the silo.</summary>
    private static async Task<HttpClient> OfficerAsync(SiloProcess silo, string officerId)
    {
        using var issued = await silo.Operator.PostAsJsonAsync("/api/credentials", new { role = "Officer", subject = officerId });
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        var secret = (await JsonOf(issued)).GetProperty("secret").GetString();
        var client = new HttpClient { BaseAddress = silo.Client.BaseAddress, Timeout = silo.Client.Timeout };
        client.DefaultRequestHeaders.Authorization = new("Bearer", secret);
        return client;
    }
}
