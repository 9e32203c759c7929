namespace GridServer.Domain;

/// <summary>
/// One change to a cluster-wide catalog (module packages, notice templates), as its history keeps it: what was done to
/// which entry, at which version, by whom and when. Never rewritten.
/// </summary>
/// <param name="Name">The module's or the template's name.</param>
/// <param name="Action">What was done: <c>upload</c>, <c>activate</c>, <c>canary</c>, <c>disable</c>, <c>remove-version</c>, <c>remove</c>, <c>save</c>, <c>revert</c>.</param>
/// <param name="Version">The version it concerns, when one.</param>
/// <param name="Actor">The credential subject that did it.</param>
/// <param name="Detail">What else the change named (a canary's silo), or null.</param>
public sealed record ChangeRecord(long Seq, string Name, string Action, string? Version, string Actor, DateTimeOffset At, string? Detail);
