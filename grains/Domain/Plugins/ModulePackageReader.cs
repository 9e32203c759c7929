using System.Collections.Immutable;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using System.Xml;

namespace GridServer.Domain.Plugins;

/// <summary>The two forms a module package comes in.</summary>
public enum ModulePackageFormat
{
    /// <summary>A zip of the module's build output (its folder's files, or one folder holding them).</summary>
    Zip,

    /// <summary>A NuGet package: the module's files are those of <c>lib/&lt;framework&gt;/</c>.</summary>
    NuGet,
}

/// <summary>What a package may hold at most. Checked before a byte of it is unpacked.</summary>
/// <param name="MaxPackageBytes">The package file itself.</param>
/// <param name="MaxUnpackedBytes">All its entries together, unpacked (what the archive declares, and what it really gives).</param>
/// <param name="MaxEntries">Entries in the archive, folders included.</param>
/// <param name="MaxCompressionRatio">Unpacked to packed size of one entry larger than 1 MiB: beyond it the entry is taken for a zip bomb.</param>
public sealed record ModulePackageLimits(long MaxPackageBytes, long MaxUnpackedBytes, int MaxEntries, int MaxCompressionRatio)
{
    public static readonly ModulePackageLimits Default = new(32L * 1024 * 1024, 256L * 1024 * 1024, 2_000, 100);
}

/// <summary>Why a package was refused.</summary>
public enum ModulePackageProblem
{
    TooLarge,
    NotAnArchive,
    TooManyEntries,
    UnsafePath,
    DuplicateEntry,
    LinkOrDevice,
    Encrypted,
    ZipBomb,
    NoModuleAssembly,
    NotAModule,
    WrongContract,
    BadManifest,
}

/// <summary>One file of a module, by its path inside the module's folder ('/'-separated, checked safe).</summary>
public sealed record ModulePackageFile(string Path, ReadOnlyMemory<byte> Content);

/// <summary>
/// A package that passed every structural check: the module's name (its assembly's), version, the contract version its
/// assembly references, and its files. Refused packages are <see cref="ModulePackageCheck"/>s with a problem instead.
/// </summary>
/// <param name="Module">The module's assembly name, which is its name in the cluster (<c>GridServer.Plugins.Sample</c>).</param>
/// <param name="Version">The package's version: the .nuspec's, or the assembly's informational version (without build metadata).</param>
/// <param name="Contract">The contract assembly version the module was built against (<c>1.0.0.0</c>).</param>
public sealed record ModulePackageContents(
    string Module, string Version, ModulePackageFormat Format, Version Contract, ImmutableArray<ModulePackageFile> Files)
{
    /// <summary>The module's assembly, relative to its folder.</summary>
    public string AssemblyFile => Module + ".dll";

    public long UnpackedBytes => Files.Sum(f => (long)f.Content.Length);
}

/// <summary>The outcome of <see cref="ModulePackageReader.Read"/>: the contents, or why the package was refused.</summary>
public sealed record ModulePackageCheck(ModulePackageContents? Contents, ModulePackageProblem? Problem, string? Message)
{
    public static ModulePackageCheck Refused(ModulePackageProblem problem, string message) => new(null, problem, message);

    public bool Accepted => Contents is not null;
}

/// <summary>
/// Reads a module package without running anything in it, and refuses any package that is not plainly a module's files:
/// too large, too many entries, an entry whose path leaves the module's folder (<c>../</c>, an absolute path, a drive,
/// a backslash), a symbolic link or device, two entries for one path, an encrypted entry, an entry that unpacks to
/// more than it declared or far more than it was packed to (a zip bomb), no module assembly, an assembly that is no
/// .NET assembly or does not reference the contract, or references another major version of it.
/// </summary>
/// <remarks>
/// Everything is read in memory, bounded by <see cref="ModulePackageLimits"/>: nothing touches a disk here. The module's
/// assembly is read as metadata (<see cref="PEReader"/>), never loaded. A .nuspec is read with DTDs prohibited and no
/// resolver, so it cannot make the reader fetch or expand anything.
/// </remarks>
public static partial class ModulePackageReader
{
    /// <summary>The contract's assembly: a package must reference it, and must not carry its own copy.</summary>
    public const string ContractAssembly = "GridServer.Plugins.Contracts";

    private const int MaxPathLength = 240;
    private const int MaxDepth = 8;
    private const long BombFloorBytes = 1024 * 1024;

    /// <summary>Checks and reads a package. <paramref name="contractMajor"/>: the contract major version this server takes.</summary>
    public static ModulePackageCheck Read(ReadOnlyMemory<byte> package, int contractMajor, ModulePackageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (package.Length > limits.MaxPackageBytes)
            return ModulePackageCheck.Refused(ModulePackageProblem.TooLarge, $"the package is {package.Length} bytes; at most {limits.MaxPackageBytes}");
        if (package.Length < 22 || package.Span[0] != (byte)'P' || package.Span[1] != (byte)'K')
            return ModulePackageCheck.Refused(ModulePackageProblem.NotAnArchive, "the package is not a zip archive (a module's build output zipped, or a .nupkg)");
        var entries = new List<(string Name, byte[] Content)>();
        try
        {
            using var stream = new MemoryStream(package.ToArray(), writable: false);
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read);
            if (archive.Entries.Count > limits.MaxEntries)
                return ModulePackageCheck.Refused(ModulePackageProblem.TooManyEntries, $"the package has {archive.Entries.Count} entries; at most {limits.MaxEntries}");
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            long declared = 0;
            foreach (var entry in archive.Entries)
            {
                if (PathProblem(entry.FullName) is { } unsafePath)
                    return ModulePackageCheck.Refused(ModulePackageProblem.UnsafePath, $"entry '{Shorten(entry.FullName)}': {unsafePath}");
                // Case-insensitively: on a file system that ignores case, two such entries would be one file.
                if (!seen.Add(entry.FullName.TrimEnd('/')))
                    return ModulePackageCheck.Refused(ModulePackageProblem.DuplicateEntry, $"entry '{Shorten(entry.FullName)}' is in the package twice");
                // The Unix file type sits in the high 16 bits of the external attributes: only files and folders are taken.
                var type = (entry.ExternalAttributes >> 16) & 0xF000;
                if (type is not (0 or 0x8000 or 0x4000))
                    return ModulePackageCheck.Refused(ModulePackageProblem.LinkOrDevice, $"entry '{Shorten(entry.FullName)}' is a {(type == 0xA000 ? "symbolic link" : "device, pipe or socket")}; a package holds files only");
                if (entry.IsEncrypted)
                    return ModulePackageCheck.Refused(ModulePackageProblem.Encrypted, $"entry '{Shorten(entry.FullName)}' is encrypted");
                if (entry.FullName.EndsWith('/')) continue;
                declared += entry.Length;
                if (declared > limits.MaxUnpackedBytes)
                    return ModulePackageCheck.Refused(ModulePackageProblem.ZipBomb, $"the package unpacks to more than {limits.MaxUnpackedBytes} bytes");
                if (entry.Length > BombFloorBytes && entry.Length > (long)limits.MaxCompressionRatio * Math.Max(1, entry.CompressedLength))
                    return ModulePackageCheck.Refused(ModulePackageProblem.ZipBomb,
                        $"entry '{Shorten(entry.FullName)}' unpacks to {entry.Length} bytes from {entry.CompressedLength}: more than {limits.MaxCompressionRatio} times, as a zip bomb does");
                if (Unpack(entry) is not { } content)
                    return ModulePackageCheck.Refused(ModulePackageProblem.ZipBomb, $"entry '{Shorten(entry.FullName)}' unpacks to more than the {entry.Length} bytes it declares");
                entries.Add((entry.FullName, content));
            }
        }
        catch (InvalidDataException e)
        {
            return ModulePackageCheck.Refused(ModulePackageProblem.NotAnArchive, $"the package is not a readable zip archive: {e.Message}");
        }
        catch (NotSupportedException e)
        {
            return ModulePackageCheck.Refused(ModulePackageProblem.NotAnArchive, $"the package uses what this server cannot read: {e.Message}");
        }
        return FromEntries(entries, contractMajor);
    }

    /// <summary>Why an entry's path is not a plain relative path inside the module's folder, or null.</summary>
    public static string? PathProblem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0) return "an empty name";
        if (name.Length > MaxPathLength) return $"a path longer than {MaxPathLength} characters";
        if (name.Any(c => char.IsControl(c))) return "a control character in the name";
        if (name.Contains('\\', StringComparison.Ordinal)) return "a backslash in the path (a Windows path, or a way out of the folder)";
        if (name.Contains(':', StringComparison.Ordinal)) return "a ':' in the path (a drive or a stream name)";
        if (name.StartsWith('/')) return "an absolute path";
        var segments = name.TrimEnd('/').Split('/');
        if (segments.Length > MaxDepth) return $"more than {MaxDepth} folders deep";
        if (segments.Any(s => s is "." or "..")) return "a '.' or '..' segment: it would leave the module's folder";
        if (segments.Any(s => s.Length == 0)) return "an empty path segment";
        return null;
    }

    /// <summary>An entry's bytes, read no further than it declares; null when it holds more.</summary>
    private static byte[]? Unpack(ZipArchiveEntry entry)
    {
        using var source = entry.Open();
        var content = new byte[entry.Length];
        var read = 0;
        while (read < content.Length)
        {
            var n = source.Read(content, read, content.Length - read);
            if (n == 0) throw new InvalidDataException($"entry '{Shorten(entry.FullName)}' ends before the {entry.Length} bytes it declares");
            read += n;
        }
        Span<byte> probe = stackalloc byte[1];
        return source.Read(probe) == 0 ? content : null;
    }

    private static ModulePackageCheck FromEntries(List<(string Name, byte[] Content)> entries, int contractMajor)
    {
        var files = entries.Where(e => !e.Name.EndsWith('/')).ToList();
        ModulePackageFormat format;
        string? nuspecVersion = null;
        string? nuspecId = null;
        List<(string Path, byte[] Content)> moduleFiles;
        var nuspecs = files.Where(f => !f.Name.Contains('/', StringComparison.Ordinal) && f.Name.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase)).ToList();
        if (nuspecs.Count > 0)
        {
            format = ModulePackageFormat.NuGet;
            if (nuspecs.Count > 1) return ModulePackageCheck.Refused(ModulePackageProblem.BadManifest, "the .nupkg holds more than one .nuspec");
            var manifest = ReadNuspec(nuspecs[0].Content);
            if (manifest.Problem is { } unreadable) return ModulePackageCheck.Refused(ModulePackageProblem.BadManifest, unreadable);
            (nuspecId, nuspecVersion) = (manifest.Id, manifest.Version);
            var framework = BestFramework(files.Select(f => f.Name));
            if (framework is null)
                return ModulePackageCheck.Refused(ModulePackageProblem.NoModuleAssembly,
                    $"the .nupkg has no lib/net<version>/ folder for .NET {Environment.Version.Major} or earlier (lib/net10.0/, as a module built for this server has)");
            var prefix = $"lib/{framework}/";
            moduleFiles = [.. files.Where(f => f.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).Select(f => (f.Name[prefix.Length..], f.Content))];
        }
        else
        {
            format = ModulePackageFormat.Zip;
            // A zip of a folder holds the folder itself: one top-level folder over everything is stripped.
            var tops = files.Select(f => f.Name.Split('/')[0]).Distinct(StringComparer.Ordinal).ToList();
            var strip = tops.Count == 1 && files.All(f => f.Name.Contains('/', StringComparison.Ordinal)) ? tops[0] + "/" : "";
            moduleFiles = [.. files.Select(f => (f.Name[strip.Length..], f.Content))];
        }
        if (moduleFiles.FirstOrDefault(f => FileName(f.Path).Equals(ContractAssembly + ".dll", StringComparison.OrdinalIgnoreCase)) is { Path: { } bundled })
            return ModulePackageCheck.Refused(ModulePackageProblem.NotAModule,
                $"the package carries its own {bundled}: the server shares its contract with every module, so a module references it without copying it (Private=false, as plugins/DutyModule.targets does)");
        var assembly = ModuleAssembly(moduleFiles, nuspecId);
        if (assembly.Problem is { } none) return ModulePackageCheck.Refused(ModulePackageProblem.NoModuleAssembly, none);
        var main = moduleFiles.Single(f => f.Path == assembly.File);
        var metadata = ReadAssembly(main.Content);
        if (metadata.Problem is { } notDotNet) return ModulePackageCheck.Refused(ModulePackageProblem.NotAModule, $"{assembly.File}: {notDotNet}");
        var module = assembly.File![..^4];
        if (!string.Equals(metadata.Name, module, StringComparison.Ordinal))
            return ModulePackageCheck.Refused(ModulePackageProblem.NotAModule, $"{assembly.File} holds the assembly '{metadata.Name}': the file must be named after its assembly");
        if (!ModuleNamePattern().IsMatch(module))
            return ModulePackageCheck.Refused(ModulePackageProblem.NotAModule, $"the module's name '{Shorten(module)}' is not 1 to 100 letters, digits, '.', '-' or '_'");
        if (metadata.Contract is not { } contract)
            return ModulePackageCheck.Refused(ModulePackageProblem.NotAModule, $"{assembly.File} does not reference {ContractAssembly}: it is no duty module");
        if (contract.Major != contractMajor)
            return ModulePackageCheck.Refused(ModulePackageProblem.WrongContract,
                $"the module was built against {ContractAssembly} {contract} (contract {contract.Major}.x); this server takes contract {contractMajor}.x");
        var packageVersion = nuspecVersion ?? metadata.Version;
        if (packageVersion is null || !VersionPattern().IsMatch(packageVersion))
            return ModulePackageCheck.Refused(ModulePackageProblem.BadManifest,
                $"the package's version '{Shorten(packageVersion ?? "")}' is not 1 to 64 letters, digits, '.', '-' (set <Version> in the module's project)");
        return new ModulePackageCheck(new ModulePackageContents(module, packageVersion, format, contract,
            [.. moduleFiles.OrderBy(f => f.Path, StringComparer.Ordinal).Select(f => new ModulePackageFile(f.Path, f.Content))]), null, null);
    }

    /// <summary>
    /// The module's assembly among the files at the top of its folder: <c>{id}.dll</c> of a .nupkg, else the one that
    /// has a <c>.deps.json</c> beside it (build output has exactly one), else the only one.
    /// </summary>
    private static (string? File, string? Problem) ModuleAssembly(List<(string Path, byte[] Content)> files, string? nuspecId)
    {
        var top = files.Where(f => !f.Path.Contains('/', StringComparison.Ordinal)).Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var dlls = top.Where(f => f.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
        if (nuspecId is not null && top.Contains(nuspecId + ".dll")) return (nuspecId + ".dll", null);
        var withDeps = dlls.Where(d => top.Contains(d[..^4] + ".deps.json")).ToList();
        if (withDeps.Count == 1) return (withDeps[0], null);
        if (dlls.Count == 1) return (dlls[0], null);
        return dlls.Count == 0
            ? (null, "the package holds no .dll at the top of the module's folder")
            : (null, $"the package holds {dlls.Count} assemblies ({string.Join(", ", dlls.Take(5))}) and no single one with a .deps.json beside it: zip the module's build output as it is");
    }

    private static (string? Name, string? Version, Version? Contract, string? Problem) ReadAssembly(byte[] content)
    {
        try
        {
            using var pe = new PEReader(new MemoryStream(content, writable: false));
            if (!pe.HasMetadata) return (null, null, null, "not a .NET assembly");
            var reader = pe.GetMetadataReader();
            if (!reader.IsAssembly) return (null, null, null, "not a .NET assembly");
            var definition = reader.GetAssemblyDefinition();
            var name = reader.GetString(definition.Name);
            Version? contract = null;
            foreach (var handle in reader.AssemblyReferences)
            {
                var reference = reader.GetAssemblyReference(handle);
                if (reader.GetString(reference.Name) == ContractAssembly) contract = reference.Version;
            }
            var informational = InformationalVersion(reader);
            // Build metadata after '+' (a commit id) does not make another version.
            var version = informational is { Length: > 0 } ? informational.Split('+')[0] : $"{definition.Version.Major}.{definition.Version.Minor}.{Math.Max(0, definition.Version.Build)}";
            return (name, version, contract, null);
        }
        catch (BadImageFormatException e)
        {
            return (null, null, null, $"not a readable .NET assembly ({e.Message})");
        }
    }

    /// <summary>The assembly's <c>AssemblyInformationalVersionAttribute</c>, read from its metadata blob, or null.</summary>
    private static string? InformationalVersion(MetadataReader reader)
    {
        foreach (var handle in reader.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference) continue;
            var constructor = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
            if (constructor.Parent.Kind != HandleKind.TypeReference) continue;
            var type = reader.GetTypeReference((TypeReferenceHandle)constructor.Parent);
            if (reader.GetString(type.Name) != "AssemblyInformationalVersionAttribute") continue;
            var blob = reader.GetBlobReader(attribute.Value);
            // A custom attribute's value: prolog 0x0001, then the constructor's one string argument.
            if (blob.Length < 2 || blob.ReadUInt16() != 1) return null;
            return blob.ReadSerializedString();
        }
        return null;
    }

    /// <summary>The .nuspec's id and version; DTDs prohibited, no resolver.</summary>
    private static (string? Id, string? Version, string? Problem) ReadNuspec(byte[] content)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 1_000_000 };
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(content, writable: false), settings);
            string? id = null, version = null;
            var depth = -1;
            reader.Read();
            while (!reader.EOF)
            {
                // Reading an element's content moves past it already: the next node is read only otherwise.
                if (reader.NodeType == XmlNodeType.Element && depth >= 0 && reader.Depth == depth + 1 && reader.LocalName is "id" or "version")
                {
                    var isId = reader.LocalName == "id";
                    var value = reader.ReadElementContentAsString().Trim();
                    if (isId) id = value;
                    else version = value;
                    continue;
                }
                if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "metadata") depth = reader.Depth;
                reader.Read();
            }
            return (id, version, id is null || version is null ? "the .nuspec names no id or version" : null);
        }
        catch (XmlException e)
        {
            return (null, null, $"the .nuspec is not readable XML: {e.Message}");
        }
    }

    /// <summary>The best <c>lib/net{N}.{M}</c> folder for this runtime: the newest not newer than it.</summary>
    private static string? BestFramework(IEnumerable<string> names) =>
        names.Select(n => n.Split('/')).Where(s => s.Length >= 3 && s[0].Equals("lib", StringComparison.OrdinalIgnoreCase))
            .Select(s => s[1]).Distinct(StringComparer.Ordinal)
            .Select(f => (Folder: f, Match: FrameworkPattern().Match(f)))
            .Where(f => f.Match.Success)
            .Select(f => (f.Folder, Version: new Version(int.Parse(f.Match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(f.Match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))))
            .Where(f => f.Version.Major >= 5 && f.Version.Major <= Environment.Version.Major)
            .OrderByDescending(f => f.Version).Select(f => f.Folder).FirstOrDefault();

    private static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..60] + "…";

    [GeneratedRegex("^net([0-9]+)\\.([0-9]+)$")]
    private static partial Regex FrameworkPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
    public static partial Regex ModuleNamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$")]
    public static partial Regex VersionPattern();
}
