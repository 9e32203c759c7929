namespace GridServer.Plugins.Contracts;

/// <summary>
/// The version of the duty-module contract. A module returns <see cref="Version"/> from
/// <see cref="IDutyModule.ContractVersion"/>: a constant, so the number is compiled into the module and says which
/// contract it was built for, whatever contract the server has.
/// </summary>
/// <remarks>
/// <c>major.minor</c>. A server takes a module built for the same major version and a minor version not newer than
/// its own; it refuses any other with a message naming both versions. A minor version only adds (new optional
/// interfaces, new members with defaults); a major version may change or remove.
/// 1.1 added <see cref="MatterDefinition.ClassCode"/>.
/// </remarks>
public static class DutyContract
{
    public const string Version = "1.1";

    public const int Major = 1;

    public const int Minor = 1;
}
