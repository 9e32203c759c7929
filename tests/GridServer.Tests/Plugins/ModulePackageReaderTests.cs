using System.Security.Cryptography;
using System.Text;
using GridServer.Domain.Plugins;
using GridServer.Tests.Support;

namespace GridServer.Tests.Plugins;

/// <summary>The checks a module package passes before anything of it is unpacked or run, against well-made and hostile archives.</summary>
public sealed class ModulePackageReaderTests
{
    private static readonly ModulePackageLimits Limits = ModulePackageLimits.Default;

    private static string Sample => PluginSilo.Built("GridServer.Plugins.Sample");

    private static byte[] SampleDll => File.ReadAllBytes(Path.Combine(Sample, "GridServer.Plugins.Sample.dll"));

    private static ModulePackageCheck Read(byte[] package, ModulePackageLimits? limits = null) => ModulePackageReader.Read(package, 1, limits ?? Limits);

    [Fact]
    public void Read_ZipOfBuildOutput_NamesTheModuleByItsAssembly_VersionFromTheProject()
    {
        var check = Read(TestPackages.ZipOf(Sample));
        Assert.True(check.Accepted, check.Message);
        var contents = check.Contents!;
        Assert.Equal(("GridServer.Plugins.Sample", "1.0.0", ModulePackageFormat.Zip), (contents.Module, contents.Version, contents.Format));
        Assert.Equal(1, contents.Contract.Major);
        Assert.Contains(contents.Files, f => f.Path == "GridServer.Plugins.Sample.dll");
        Assert.DoesNotContain(contents.Files, f => f.Path.Contains("Contracts", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_ZipWithOneTopFolder_StripsIt()
    {
        var check = Read(TestPackages.ZipOf(Sample, inside: "manhole"));
        Assert.True(check.Accepted, check.Message);
        Assert.Contains(check.Contents!.Files, f => f.Path == "GridServer.Plugins.Sample.dll");
    }

    [Fact]
    public void Read_NuGetPackage_TakesLibFolderAndNuspecVersion()
    {
        var check = Read(TestPackages.NuGetOf(Sample, "GridServer.Plugins.Sample", "1.5.0-rc.1"));
        Assert.True(check.Accepted, check.Message);
        Assert.Equal(("GridServer.Plugins.Sample", "1.5.0-rc.1", ModulePackageFormat.NuGet), (check.Contents!.Module, check.Contents.Version, check.Contents.Format));
        Assert.All(check.Contents.Files, f => Assert.DoesNotContain("/", f.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_NuGetWithAnExternalEntityInItsNuspec_IsRefused_NothingFetched()
    {
        var nuspec = """
            <?xml version="1.0"?>
            <!DOCTYPE package [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <package><metadata><id>&x;</id><version>1.0.0</version></metadata></package>
            """;
        var check = Read(TestPackages.Zip(("m.nuspec", Encoding.UTF8.GetBytes(nuspec)), ("lib/net10.0/GridServer.Plugins.Sample.dll", SampleDll)));
        Assert.Equal(ModulePackageProblem.BadManifest, check.Problem);
    }

    [Theory]
    [InlineData("../evil.dll")]
    [InlineData("lib/../../evil.dll")]
    [InlineData("/etc/cron.d/evil")]
    [InlineData("..\\evil.dll")]
    [InlineData("C:/Windows/evil.dll")]
    [InlineData("a//b.dll")]
    [InlineData("./a.dll")]
    public void Read_EntryLeavingTheFolder_IsRefused_ZipSlip(string name)
    {
        var check = Read(TestPackages.Zip(("GridServer.Plugins.Sample.dll", SampleDll), (name, [1, 2, 3])));
        Assert.Equal(ModulePackageProblem.UnsafePath, check.Problem);
        Assert.Contains("entry", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SymbolicLinkEntry_IsRefused()
    {
        var check = Read(TestPackages.Zip(("GridServer.Plugins.Sample.dll", SampleDll, 0x81A4), ("passwd", Encoding.UTF8.GetBytes("/etc/passwd"), 0xA1FF)));
        Assert.Equal(ModulePackageProblem.LinkOrDevice, check.Problem);
        Assert.Contains("symbolic link", check.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GridServer.Plugins.Sample.dll", "GridServer.Plugins.Sample.dll")]
    [InlineData("GridServer.Plugins.Sample.dll", "gridserver.plugins.sample.DLL")]
    public void Read_TwoEntriesForOnePath_AreRefused(string first, string second)
    {
        var check = Read(TestPackages.Zip((first, SampleDll), (second, [0])));
        Assert.Equal(ModulePackageProblem.DuplicateEntry, check.Problem);
    }

    [Fact]
    public void Read_ZipBomb_IsRefusedByItsRatio()
    {
        var check = Read(TestPackages.Zip(("GridServer.Plugins.Sample.dll", SampleDll), ("padding.bin", new byte[8 * 1024 * 1024])));
        Assert.Equal(ModulePackageProblem.ZipBomb, check.Problem);
    }

    [Fact]
    public void Read_MoreUnpackedThanTheLimit_IsRefused()
    {
        var random = RandomNumberGenerator.GetBytes(300_000);
        var check = Read(TestPackages.Zip(("GridServer.Plugins.Sample.dll", SampleDll), ("data.bin", random)), Limits with { MaxUnpackedBytes = 200_000 });
        Assert.Equal(ModulePackageProblem.ZipBomb, check.Problem);
    }

    [Fact]
    public void Read_TooManyEntries_AndTooLarge_AreRefused()
    {
        var many = TestPackages.Zip([.. Enumerable.Range(0, 30).Select(i => ($"f{i}.txt", new byte[] { 1 }))]);
        Assert.Equal(ModulePackageProblem.TooManyEntries, Read(many, Limits with { MaxEntries = 20 }).Problem);
        Assert.Equal(ModulePackageProblem.TooLarge, Read(TestPackages.ZipOf(Sample), Limits with { MaxPackageBytes = 1024 }).Problem);
    }

    [Fact]
    public void Read_NotAZip_OrATruncatedOne_IsRefused()
    {
        Assert.Equal(ModulePackageProblem.NotAnArchive, Read(Encoding.UTF8.GetBytes("this is not an archive at all, just words")).Problem);
        var zip = TestPackages.ZipOf(Sample);
        Assert.Equal(ModulePackageProblem.NotAnArchive, Read(zip[..(zip.Length / 2)]).Problem);
    }

    [Fact]
    public void Read_CarryingItsOwnContract_IsRefused()
    {
        var check = Read(TestPackages.Zip(("GridServer.Plugins.Sample.dll", SampleDll), ("GridServer.Plugins.Contracts.dll", SampleDll)));
        Assert.Equal(ModulePackageProblem.NotAModule, check.Problem);
        Assert.Contains("Private=false", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoAssembly_OrNoDotNetAssembly_OrNoContractReference_IsRefused()
    {
        Assert.Equal(ModulePackageProblem.NoModuleAssembly, Read(TestPackages.Zip(("readme.txt", [1]))).Problem);
        Assert.Equal(ModulePackageProblem.NotAModule, Read(TestPackages.Zip(("GridServer.Plugins.Sample.dll", Encoding.UTF8.GetBytes("MZ not really")))).Problem);
        // An assembly that does not reference the contract: the server's own Domain assembly.
        var domain = typeof(ModulePackageReader).Assembly.Location;
        var check = Read(TestPackages.Zip((Path.GetFileName(domain), File.ReadAllBytes(domain))));
        Assert.Equal(ModulePackageProblem.NotAModule, check.Problem);
        Assert.Contains("does not reference GridServer.Plugins.Contracts", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BuiltForAnotherContractMajor_IsRefused_NamingBoth()
    {
        var check = ModulePackageReader.Read(TestPackages.ZipOf(Sample), 2, Limits);
        Assert.Equal(ModulePackageProblem.WrongContract, check.Problem);
        Assert.Contains("contract 1.x", check.Message, StringComparison.Ordinal);
        Assert.Contains("contract 2.x", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_SeveralAssembliesWithoutDepsJson_IsRefused_SayingHowToZip()
    {
        var check = Read(TestPackages.Zip(("GridServer.Plugins.Sample.dll", SampleDll), ("Other.dll", SampleDll)));
        Assert.Equal(ModulePackageProblem.NoModuleAssembly, check.Problem);
    }

    [Fact]
    public void Signatures_TrustedKey_VerifiesItsSignature_NotATamperedPackage_NorAnotherKeys()
    {
        using var signer = new PackageSigner();
        using var stranger = new PackageSigner();
        var (key, problem) = TrustedKey.FromPem("desk", signer.PublicKeyPem);
        Assert.Null(problem);
        var signatures = new PackageSignatures([key!]);
        var package = TestPackages.ZipOf(Sample);
        var good = signatures.Check(package, Convert.FromBase64String(signer.Sign(package)));
        Assert.Equal((SignatureVerdict.Verified, signer.KeyId, "desk"), (good.Verdict, good.KeyId, good.KeyName));
        var tampered = (byte[])package.Clone();
        tampered[tampered.Length / 2] ^= 0x01;
        Assert.Equal(SignatureVerdict.Invalid, signatures.Check(tampered, Convert.FromBase64String(signer.Sign(package))).Verdict);
        Assert.Equal(SignatureVerdict.Invalid, signatures.Check(package, Convert.FromBase64String(stranger.Sign(package))).Verdict);
        Assert.Equal(SignatureVerdict.Missing, signatures.Check(package, []).Verdict);
        key!.Dispose();
    }

    [Fact]
    public void TrustedKey_RsaOrPrivateOrGarbage_IsRefused_SayingWhy()
    {
        using var rsa = RSA.Create(2048);
        Assert.Contains("not an ECDSA public key", TrustedKey.FromPem("r", rsa.ExportSubjectPublicKeyInfoPem()).Problem, StringComparison.Ordinal);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.NotNull(TrustedKey.FromPem("p", ec.ExportECPrivateKeyPem()).Problem);
        Assert.NotNull(TrustedKey.FromPem("g", "hello").Problem);
    }
}
