using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Notices;
using GridServer.Domain.Access;
using GridServer.Notices;
using GridServer.Silo.Access;
using GridServer.Silo.Hosting;

namespace GridServer.Silo.Cases;

/// <summary>
/// <c>GET /api/parties/{kind}/{id}</c>: a party a duty module names responsible beyond a grid (a shop, a site, a
/// permit holder) as the command center sees it: the cases it was named for (what its repeat offences are counted
/// from) and the notices it was sent (整改通知), newest first.
/// </summary>
public static class PartyEndpoints
{
    public static IEndpointRouteBuilder MapPartyEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/parties/{kind}/{id}", Get).WithTags("Cases").RequireRoles(Role.Operator, Role.Dispatcher)
            .WithSummary("A responsible party (a shop, a site, a permit): the cases it was named for in the last 400 days (the newest 1,000, all of them), and a page of its notices (offset, limit at most 100).");
        return app;
    }

    internal static async Task<IResult> Get(string kind, string id, IGrainFactory grains, int? offset, int? limit)
    {
        if (kind.Length > 64 || id.Length > CaseEndpoints.MaxId) return Problems.Of(400, "Bad party", "the kind has at most 64 characters, the id at most " + CaseEndpoints.MaxId);
        if (offset is < 0 || limit is < 1 or > 100) return Problems.Of(400, "Bad page", "offset must be 0 or more and limit 1 to 100");
        var party = $"{kind}/{id}";
        var cases = await grains.GetGrain<IPartyGrain>(party).GetCasesAsync();
        var notices = await grains.GetGrain<INoticeInboxGrain>(NoticeInboxes.Party(party)).GetAsync(offset ?? 0, limit ?? 20);
        return TypedResults.Ok(new { kind, id, cases = cases.Reverse().Select(c => new { caseId = c.CaseId, at = c.At }), notices });
    }
}
