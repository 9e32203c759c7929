using System.Collections.Immutable;
using GridServer.Domain.Cases;
using GridServer.Domain.Personnel;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace GridServer.Grains.Cases;

/// <summary>
/// A case's whole state as servers before the case store kept it (Orleans grain state "case", storage
/// <see cref="GrainStorage.Cases"/>): read once when such a case is next touched, then kept in the case store. Never written.
/// </summary>
/// <remarks>The alias and the field ids are those the older servers wrote; they must not change.</remarks>
[GenerateSerializer, Alias("case.state")]
public sealed class LegacyCaseState
{
    [Id(0)] public bool Opened { get; set; }
    [Id(1)] public string Matter { get; set; } = "";
    [Id(2)] public string State { get; set; } = nameof(CaseState.Reported);
    [Id(3)] public string? GridCode { get; set; }
    [Id(4)] public string? SquadId { get; set; }
    [Id(5)] public string? OfficerId { get; set; }
    [Id(6)] public string? Post { get; set; }
    [Id(7)] public DateTimeOffset? AcceptBy { get; set; }
    [Id(8)] public DateTimeOffset? HandleBy { get; set; }
    [Id(9)] public DateTimeOffset? VerifyBy { get; set; }
    [Id(10)] public bool Supervised { get; set; }
    [Id(11)] public int ReworkCount { get; set; }
    [Id(12)] public int ExtensionCount { get; set; }
    [Id(13)] public TimeSpan? ParkedRemaining { get; set; }
    [Id(14)] public DateTimeOffset? RequestedDeadline { get; set; }
    [Id(15)] public List<LegacyCaseEvent> Timeline { get; set; } = [];
    [Id(16)] public double Lon { get; set; }
    [Id(17)] public double Lat { get; set; }
    [Id(18)] public string ReporterId { get; set; } = "";
    [Id(19)] public string? Description { get; set; }
    [Id(20)] public DateTimeOffset? WarnedFor { get; set; }
    [Id(21)] public string? Address { get; set; }
    [Id(22)] public string? MediaUrl { get; set; }
    [Id(23)] public Dictionary<string, string>? Attributes { get; set; }
    [Id(24)] public bool Queued { get; set; }
    [Id(25)] public GridServer.Abstractions.Cases.CaseParty? Party { get; set; }
    [Id(26)] public string? MatterName { get; set; }
    [Id(30)] public string? ReportingChannel { get; set; }
    [Id(31)] public bool Public { get; set; }

    /// <summary>
    /// Reads the case's old grain state; null when there is none (or no storage of that name is registered). A state
    /// never opened is none.
    /// </summary>
    public static async Task<CaseRecord?> ReadAsync(IServiceProvider services, GrainId grain, string caseId)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetKeyedService<IGrainStorage>(GrainStorage.Cases) is not { } storage) return null;
        var state = new GrainState<LegacyCaseState>(new LegacyCaseState());
        await storage.ReadStateAsync("case", grain, state);
        return state.RecordExists && state.State is { Opened: true } opened ? opened.ToRecord(caseId) : null;
    }

    /// <summary>The case as the case store keeps it: version 0, so its first write is its first in the store.</summary>
    public CaseRecord ToRecord(string caseId)
    {
        var timeline = Timeline.Select(e => new CaseEvent(e.Sequence, e.At, e.ActorId, Enum.Parse<CaseAction>(e.Action),
            Enum.Parse<CaseState>(e.From), Enum.Parse<CaseState>(e.To), e.Note, e.Evidence.IsDefault ? [] : e.Evidence)).ToImmutableList();
        var file = new CaseFile(caseId, Matter, Enum.Parse<CaseState>(State), new CaseDeadlines(AcceptBy, HandleBy, VerifyBy), Supervised,
            ReworkCount, ExtensionCount, ParkedRemaining, RequestedDeadline, timeline);
        var party = Party is { } p ? new CasePartyFacts(p.Kind, p.Id, p.Name, p.Reason, p.Contact, p.RepeatCount, p.Escalated, p.Notify, p.RepeatWindowDays) : null;
        var report = new CaseReportFacts(Lon, Lat, ReporterId, Description, Address, MediaUrl,
            Attributes is { Count: > 0 } a ? a.ToImmutableSortedDictionary(StringComparer.Ordinal) : null, MatterName, ReportingChannel, party,
            Public && ReportingChannel is not null);
        var holder = new CaseHolder(SquadId, OfficerId, Post is { } post ? Enum.Parse<DispatchPost>(post) : null);
        // The old server kept its queue's reasons and escalations in a grain of their own: the case says it waits, not why.
        var queue = Queued && !file.IsTerminal ? "waiting since before the case store" : null;
        var escalation = Supervised && !file.IsTerminal
            ? new CaseEscalation(timeline.LastOrDefault(e => e.Action == CaseAction.Supervise)?.At ?? file.UpdatedAt, "a deadline passed")
            : null;
        return new CaseRecord(file, report, GridCode, holder, queue, WarnedFor, escalation, 0);
    }
}

/// <summary>One timeline event as the old grain state kept it: the alias the contract type had then, with names for the enums.</summary>
[GenerateSerializer, Immutable, Alias("case.event")]
public sealed record LegacyCaseEvent(
    [property: Id(0)] int Sequence, [property: Id(1)] DateTimeOffset At, [property: Id(2)] string ActorId,
    [property: Id(3)] string Action, [property: Id(4)] string From, [property: Id(5)] string To,
    [property: Id(6)] string? Note, [property: Id(7)] ImmutableArray<string> Evidence);
