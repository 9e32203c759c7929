using System.Runtime.CompilerServices;

namespace GridServer.Tests.Support;

/// <summary>
/// Registers the Windows code pages (GBK, GB18030) before any test runs. The Shapefile library builds its table of
/// dBASE language drivers once, from the encodings registered at that moment: a test that wrote a Shapefile before
/// the registration left GBK without its driver (0x4D) for every later test in the process, so a test's result
/// depended on the order tests ran in. The server registers them before its own Shapefile code runs.
/// </summary>
internal static class CodePages
{
#pragma warning disable CA2255 // A test assembly is the application here: its set-up must precede every test class.
    [ModuleInitializer]
    internal static void Register() => GridServer.Domain.Import.ShapefileEncodings.EnsureCodePagesRegistered();
#pragma warning restore CA2255
}
