namespace GridServer.Plugins.Contracts;

/// <summary>
/// A duty module: one or more supervised matters (违停, 门前三包, 井盖 …) with their report attributes, time limits
/// and report validation. The server finds the module's one public non-abstract class implementing this interface
/// and creates it with its public parameterless constructor.
/// </summary>
/// <remarks>
/// The server reads <see cref="Name"/>, <see cref="Version"/> and <see cref="Matters"/> once, when it loads the module,
/// and keeps what they returned; it calls <see cref="ValidateReport"/> for each report of one of the module's matters,
/// from many threads at once (the module must be thread-safe), with a time limit. Optional abilities are separate
/// interfaces the module class may also implement: <see cref="IRoutesReports"/>, <see cref="IProvidesTemplates"/>,
/// <see cref="IKeepsReferenceData"/>, <see cref="IHandlesSensorReadings"/>, <see cref="IRunsScheduledChecks"/>.
/// </remarks>
public interface IDutyModule
{
    /// <summary>The contract the module was built for: return <see cref="DutyContract.Version"/> (a constant).</summary>
    string ContractVersion { get; }

    /// <summary>The module's name as operators see it, e.g. "manhole covers (井盖)".</summary>
    string Name { get; }

    /// <summary>The module's own version, e.g. "1.2.0".</summary>
    string Version { get; }

    /// <summary>The matters the module brings. A matter's code is its Open311 service code and must be unique on the server.</summary>
    IReadOnlyList<MatterDefinition> Matters { get; }

    /// <summary>
    /// Checks a report of one of the module's matters beyond what the declared attributes already check (the server
    /// has checked datatypes, required attributes and allowed values before). An empty list accepts the report.
    /// </summary>
    IReadOnlyList<ReportProblem> ValidateReport(MatterReport report);
}
