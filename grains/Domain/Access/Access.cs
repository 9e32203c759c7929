using GridServer.Domain.Cases;

namespace GridServer.Domain.Access;

/// <summary>Who a credential speaks for. One role per credential: a person with two duties holds two credentials.</summary>
public enum Role
{
    /// <summary>Grids and personnel: redraws boundaries, assigns people, issues credentials.</summary>
    Operator,

    /// <summary>The command center: registers, dispatches, verifies and closes cases; sees them all.</summary>
    Dispatcher,

    /// <summary>A grid officer: works the cases dispatched to them or their squad, and nothing else.</summary>
    Officer,

    /// <summary>A community liaison: reads the grids and communities assigned to them, and nothing else.</summary>
    Liaison,

    /// <summary>A reporting channel (Open311 <c>api_key</c>): submits reports, sees the public view.</summary>
    Reporter,

    /// <summary>A sensor gateway (dust monitors, parking-bay sensors): posts readings, nothing else. Kept apart from reporting channels, so a citizen app's key cannot feed sensors.</summary>
    Sensor,
}

/// <summary>Whose hand an action of the closed loop is in.</summary>
public enum ActionHand
{
    /// <summary>The command center (dispatcher).</summary>
    CommandCenter,

    /// <summary>The officer the case is dispatched to (or an officer of their squad).</summary>
    Field,

    /// <summary>The server itself: clocks, reports, transfers. Nobody asks for these over HTTP.</summary>
    System,
}

/// <summary>The rules of who may do what, as plain functions (the HTTP layer asks them; tests check them directly).</summary>
public static class AccessRules
{
    /// <summary>
    /// A role or action by its exact name (any case). Numbers and comma lists, which <see cref="Enum.TryParse{TEnum}(string?, bool, out TEnum)"/>
    /// would take, are not names: "15" must not become an action nor "Dispatcher,Officer" a third role.
    /// </summary>
    public static bool TryParseName<T>(string? text, out T value) where T : struct, Enum
    {
        foreach (var name in Enum.GetNames<T>())
        {
            if (!string.Equals(name, text, StringComparison.OrdinalIgnoreCase)) continue;
            value = Enum.Parse<T>(name);
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>
    /// Which hand an action is in: the field accepts, handles, feeds back, returns and asks for more time; the command center
    /// does the rest, supervision (督办) too (the deadline clock also supervises a case whose deadline it finds missed).
    /// </summary>
    public static ActionHand HandOf(CaseAction action) => action switch
    {
        CaseAction.Accept or CaseAction.Return or CaseAction.StartHandling or CaseAction.GiveFirstFeedback
            or CaseAction.GiveFinalFeedback or CaseAction.RequestExtension => ActionHand.Field,
        CaseAction.Register or CaseAction.Void or CaseAction.Dispatch or CaseAction.ApproveExtension or CaseAction.RejectExtension
            or CaseAction.Park or CaseAction.Resume or CaseAction.StartVerification or CaseAction.PassVerification
            or CaseAction.Rework or CaseAction.Close or CaseAction.Unlink or CaseAction.Supervise => ActionHand.CommandCenter,
        _ => ActionHand.System,
    };

    /// <summary>The role whose hand an action is in; null for the server's own actions.</summary>
    public static Role? RoleFor(CaseAction action) => HandOf(action) switch
    {
        ActionHand.Field => Role.Officer,
        ActionHand.CommandCenter => Role.Dispatcher,
        _ => null,
    };

    /// <summary>
    /// Whether an officer may see and work a case: it is dispatched to them, or to a squad they belong to (its
    /// leader counts). A case dispatched to nobody belongs to the command center.
    /// </summary>
    public static bool OfficerMayWork(string officerId, string? caseOfficer, string? caseSquad, IReadOnlyCollection<string> squadMembers)
    {
        ArgumentNullException.ThrowIfNull(squadMembers);
        if (string.IsNullOrEmpty(officerId)) return false;
        if (string.Equals(caseOfficer, officerId, StringComparison.Ordinal)) return true;
        return caseSquad is not null && squadMembers.Contains(officerId);
    }

    /// <summary>Whether a liaison watches a grid: it is assigned to them, or its community is.</summary>
    public static bool LiaisonWatches(string? gridCode, string? communityCode, IReadOnlySet<string> grids, IReadOnlySet<string> communities)
    {
        ArgumentNullException.ThrowIfNull(grids);
        ArgumentNullException.ThrowIfNull(communities);
        if (gridCode is null) return false;
        return grids.Contains(gridCode) || (communityCode is not null && communities.Contains(communityCode));
    }
}
