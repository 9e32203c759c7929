using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GridServer.Domain.Grids;

namespace GridServer.Tests.Grids;

public class GridCodeTests
{
    [Fact]
    public void CjT213_ValidCode_ExposesHierarchy()
    {
        var code = CjT213Code.Parse("33030200100101");
        Assert.Equal("330302", code.CountyCode);
        Assert.Equal("330302001", code.StreetCode);
        Assert.Equal("330302001001", code.CommunityCode);
        Assert.Equal(1, code.Sequence);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("3303020010010", "has 13 characters")]
    [InlineData("330302001001011", "has 15 characters")]
    [InlineData("33030200100A01", "has 'A' at position 12")]
    [InlineData("33030200000101", "street 000")]
    [InlineData("33030200100001", "community 000")]
    [InlineData("33030200100100", "community-level record")]
    public void CjT213_BadCode_RefusedWithReason(string text, string reason)
    {
        Assert.False(CjT213Code.TryParse(text, out _, out var error));
        Assert.Contains(reason, error);
        Assert.Throws<FormatException>(() => CjT213Code.Parse(text));
    }

    private static readonly Arbitrary<(int County, int Street, int Community, int Sequence)> Parts =
        (from county in Gen.Choose(100000, 999999)
         from street in Gen.Choose(1, 999)
         from community in Gen.Choose(1, 999)
         from sequence in Gen.Choose(1, 99)
         select (county, street, community, sequence)).ToArbitrary();

    [Property]
    public Property CjT213_FormatThenParse_RoundTrips() =>
        Prop.ForAll(Parts, p =>
        {
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            var code = CjT213Code.Create(p.County.ToString(inv), p.Street, p.Community, p.Sequence);
            var parsed = CjT213Code.Parse(code.Value);
            return parsed == code && parsed.Sequence == p.Sequence
                && parsed.CountyCode == p.County.ToString(inv)
                && parsed.StreetCode.EndsWith(p.Street.ToString("D3", inv), StringComparison.Ordinal)
                && parsed.CommunityCode.EndsWith(p.Community.ToString("D3", inv), StringComparison.Ordinal);
        });

    [Theory]
    [InlineData("LC-0001_a")]
    [InlineData("33030200100101")]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345")]
    public void FreeScheme_AllowedCharacters_Accepted(string code) =>
        Assert.Null(GridCodes.Validate(code, GridCodeScheme.Free));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456", "33 characters")]
    [InlineData("网格01", "contains '网'")]
    [InlineData("a b", "contains ' '")]
    [InlineData("a/b", "contains '/'")]
    public void FreeScheme_BadCode_RefusedWithReason(string code, string reason) =>
        Assert.Contains(reason, GridCodes.Validate(code, GridCodeScheme.Free));
}
