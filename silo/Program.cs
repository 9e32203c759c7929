using GridServer.Silo.Grids;
using GridServer.Silo.Hosting;

// One executable, several faces: `grids ...` verbs and `migrate` for operators and scripts, otherwise the server.
if (args.Length > 0 && args[0] == "grids")
    return await GridCommands.RunAsync(args, Console.Out, Console.Error, TimeProvider.System);
if (args.Length > 0 && args[0] == "migrate")
    return await MigrateCommand.RunAsync(args, Console.Out, Console.Error);

await SiloHost.Build(args).RunAsync();
return 0;

/// <summary>The entry point, visible to tests that host the server.</summary>
public partial class Program;
