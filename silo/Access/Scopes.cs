using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Personnel;
using GridServer.Domain.Access;
using GridServer.Silo.Grids;

namespace GridServer.Silo.Access;

/// <summary>What a liaison watches: grids by code, and whole communities.</summary>
public sealed record LiaisonScope(IReadOnlySet<string> Grids, IReadOnlySet<string> Communities);

/// <summary>
/// The per-record half of authorization (the role half is on the routes): an officer's cases, a liaison's grids.
/// Something outside a caller's scope is answered as if it did not exist, so probing ids tells nothing; the refusal
/// is logged.
/// </summary>
public sealed class Scopes(IGrainFactory grains, GridCatalog catalog, DenialLog denials)
{
    public async ValueTask<LiaisonScope> LiaisonAsync(string liaisonId)
    {
        var view = await grains.GetGrain<ILiaisonGrain>(liaisonId).GetAsync();
        return new LiaisonScope(view.Grids.ToHashSet(StringComparer.Ordinal), view.Communities.ToHashSet(StringComparer.Ordinal));
    }

    public bool Watches(LiaisonScope scope, string? gridCode) =>
        AccessRules.LiaisonWatches(gridCode, gridCode is null ? null : catalog.Find(gridCode)?.CommunityCode, scope.Grids, scope.Communities);

    /// <summary>Every served grid the liaison watches.</summary>
    public IReadOnlySet<string> WatchedGrids(LiaisonScope scope) =>
        catalog.All().Where(g => AccessRules.LiaisonWatches(g.Code, g.CommunityCode, scope.Grids, scope.Communities)).Select(g => g.Code).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether a caller may read a grid (and what hangs on it: its history, its responsibility).</summary>
    public async ValueTask<bool> MayReadGridAsync(HttpContext context, string gridCode)
    {
        var caller = context.RequiredCaller();
        if (caller.Role != Role.Liaison) return true;
        if (Watches(await LiaisonAsync(caller.Subject), gridCode)) return true;
        denials.Log(context, $"grid {Hosting.Problems.Shorten(gridCode)} is not one of liaison {caller.Subject}'s grids");
        return false;
    }

    /// <summary>Whether a caller may see a case: dispatchers all, officers theirs and their squad's, liaisons those in their grids.</summary>
    public async ValueTask<bool> MaySeeCaseAsync(HttpContext context, CaseView view)
    {
        var caller = context.RequiredCaller();
        var allowed = await MaySeeAsync(caller, view.OfficerId, view.SquadId, view.GridCode);
        if (!allowed) denials.Log(context, $"case {view.CaseId} is outside the scope of {caller.Role} {caller.Subject}");
        return allowed;
    }

    /// <summary>The rule of <see cref="MaySeeCaseAsync"/> on a case's holder and grid, without logging (a live list passes over what is not the caller's).</summary>
    public async ValueTask<bool> MaySeeAsync(Caller caller, string? officerId, string? squadId, string? gridCode) => caller.Role switch
    {
        Role.Dispatcher => true,
        Role.Officer => AccessRules.OfficerMayWork(caller.Subject, officerId, squadId, await SquadMembersAsync(squadId)),
        Role.Liaison => Watches(await LiaisonAsync(caller.Subject), gridCode),
        _ => false,
    };

    /// <summary>Whether an officer belongs to a squad (its leader counts).</summary>
    public async ValueTask<bool> IsInSquadAsync(string officerId, string squadId) => (await SquadMembersAsync(squadId)).Contains(officerId);

    private async ValueTask<IReadOnlyCollection<string>> SquadMembersAsync(string? squadId)
    {
        if (squadId is null) return [];
        return (await grains.GetGrain<ISquadGrain>(squadId).GetAsync()).Members;
    }
}
