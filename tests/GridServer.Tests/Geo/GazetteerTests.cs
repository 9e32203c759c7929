using GridServer.Domain.Geocoding;

namespace GridServer.Tests.Geo;

/// <summary>Addresses as people write them, matched to a bureau's gazetteer: spelling, numerals, levels left out or contradicted, typos, aliases.</summary>
public class GazetteerTests
{
    private static readonly GazetteerEntry Jiefang123 = new("A-1", "浙江省温州市鹿城区五马街道解放街123号", 120.6551, 28.0151);
    private static readonly GazetteerEntry Jiefang125 = new("A-2", "浙江省温州市鹿城区五马街道解放街125号", 120.6553, 28.0152);
    private static readonly GazetteerEntry Renmin88Lucheng = new("B-1", "浙江省温州市鹿城区松台街道人民路88号3幢", 120.6440, 28.0050);
    private static readonly GazetteerEntry Renmin88Ouhai = new("C-1", "浙江省温州市瓯海区景山街道人民路88号", 120.6301, 27.9801);
    private static readonly GazetteerEntry Xinqu = new("D-1", "浙江省温州市鹿城区南汇街道新区大道9号", 120.6801, 28.0001);

    private static readonly Gazetteer Index = Gazetteer.Build([Jiefang123, Jiefang125, Renmin88Lucheng, Renmin88Ouhai, Xinqu],
        new Dictionary<string, string> { ["老解放街"] = "解放街" });

    [Theory]
    [InlineData("浙江省温州市鹿城区五马街道解放街123号", "A-1")]
    [InlineData("温州市鹿城区解放街１２３号", "A-1")]            // a level left out, full-width digits
    [InlineData("解放街一百二十三号", "A-1")]                    // Chinese numerals
    [InlineData("解放街 123 号", "A-1")]                          // spaces
    [InlineData("老解放街123号", "A-1")]                          // the bureau's alias
    [InlineData("鹿城区人民路88号3栋", "B-1")]                    // the same road name in two districts: the named one
    [InlineData("鹿城区人民路88号三号楼", "B-1")]                 // 号楼 and a Chinese numeral for the building
    [InlineData("新区大道9号", "D-1")]                            // 区 inside a road's name is not a district
    [InlineData("鹿城区解放街123号门口", "A-1")]                  // where near the address, after it
    [InlineData("解放街123号对面的东侧", "A-1")]
    public void ClearAddress_ConfidentOnTheEntry(string written, string expected)
    {
        var match = Index.Match(written);

        Assert.True(match.Confident, $"{written}: not confident; {string.Join(" | ", match.Candidates.Select(c => $"{c.Entry.Id} {c.Score} {c.Why}"))}");
        Assert.Equal(expected, match.Best!.Entry.Id);
    }

    [Fact]
    public void ABuildingAndItsDoorPlateMetresApart_AreOnePlace_NotADoubt()
    {
        var door = new GazetteerEntry("E-1", "鹿城区松台街道信河街88号", 120.6455, 28.0120);
        var building = new GazetteerEntry("E-2", "鹿城区松台街道信河街88号3幢", 120.6456, 28.0121);   // about 15 m away
        var far = new GazetteerEntry("E-3", "鹿城区松台街道信河街88号5幢", 120.6500, 28.0200);        // about 1 km away

        var near = Gazetteer.Build([door, building]).Match("信河街88号三幢");
        var apart = Gazetteer.Build([door, far]).Match("信河街88号");

        Assert.True(near.Confident, string.Join(" | ", near.Candidates.Select(c => $"{c.Entry.Id} {c.Score}")));
        Assert.Equal("E-2", near.Best!.Entry.Id);
        Assert.False(apart.Confident);   // the door plate, or a building of it 1 km away: a dispatcher decides
        Assert.Equal("E-1", apart.Best!.Entry.Id);   // the door plate itself first
    }

    [Fact]
    public void Readable_AnAddressWithoutARoad_IsNot()
    {
        Assert.True(Gazetteer.Readable("鹿城区解放街123号"));
        Assert.False(Gazetteer.Readable("鹿城区五马"));
        Assert.False(Gazetteer.Readable(""));
    }

    [Fact]
    public void SameRoadAndNumberInTwoDistricts_NoDistrictGiven_BothOfferedNotActedOn()
    {
        var match = Index.Match("人民路88号");

        Assert.False(match.Confident);
        Assert.Equal(["B-1", "C-1"], match.Candidates.Select(c => c.Entry.Id).Order().Take(2));
    }

    [Fact]
    public void TypoInTheRoadName_OfferedAsACandidate_NotActedOn()
    {
        var match = Index.Match("鲜放街123号");

        Assert.False(match.Confident);
        Assert.Equal("A-1", match.Best!.Entry.Id);
        Assert.Contains("one character differs", match.Best.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void TypoInTheRoadName_ActedOnOnlyWhenTheNumberAndADistrictAgree()
    {
        var confirmed = Index.Match("鹿城区鲜放街123号");
        var unnumbered = Index.Match("鹿城区鲜放街");

        Assert.True(confirmed.Confident, string.Join(" | ", confirmed.Candidates.Select(c => $"{c.Entry.Id} {c.Score} {c.Why}")));
        Assert.Equal("A-1", confirmed.Best!.Entry.Id);
        Assert.False(unnumbered.Confident);
    }

    [Fact]
    public void ATypoThatCouldBeTwoRoads_OffersBoth_ActsOnNeither()
    {
        var index = Gazetteer.Build([
            new GazetteerEntry("F-1", "鹿城区江滨东路5号", 120.60, 28.00),
            new GazetteerEntry("F-2", "鹿城区江滨西路5号", 120.70, 28.00)]);

        var match = index.Match("鹿城区江滨中路5号");

        Assert.False(match.Confident);
        Assert.Equal(["F-1", "F-2"], match.Candidates.Select(c => c.Entry.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AStreetNamedLikeARoad_IsNotTakenForTheRoad()
    {
        var index = Gazetteer.Build([
            new GazetteerEntry("G-1", "鹿城区五马街道信河街12号", 120.60, 28.00),
            new GazetteerEntry("G-2", "鹿城区五马街道五马街12号", 120.70, 28.00)]);

        var match = index.Match("鹿城区五马街道信河街12号");

        Assert.True(match.Confident);
        Assert.Equal("G-1", match.Best!.Entry.Id);
    }

    [Fact]
    public void NumberNotInTheGazetteer_NearOneOffered_NotActedOn()
    {
        var match = Index.Match("解放街127号");

        Assert.False(match.Confident);
        Assert.Contains(match.Candidates, c => c.Entry.Id == "A-2" && c.Why.Contains("near 127", StringComparison.Ordinal));
    }

    [Fact]
    public void ContradictedDistrict_CostsTheEntry()
    {
        var match = Index.Match("瓯海区人民路88号");

        Assert.True(match.Confident);
        Assert.Equal("C-1", match.Best!.Entry.Id);
        Assert.Contains(match.Candidates, c => c.Entry.Id == "B-1" && c.Why.Contains("not in 瓯海区", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("！？。，")]
    [InlineData("火星路1号")]
    [InlineData("人民")]
    public void NothingToMatch_NoCandidates(string written)
    {
        var match = Index.Match(written);

        Assert.Empty(match.Candidates);
        Assert.False(match.Confident);
    }

    [Fact]
    public void HostileLength_CutAndAnswered()
    {
        var match = Index.Match(string.Concat(Enumerable.Repeat("解放街", 100_000)) + "123号");

        Assert.False(match.Confident);   // the number is past the part read
    }

    [Theory]
    [InlineData("解放街123号3幢2单元501室", "解放街", "123", "3", "2", "501")]
    [InlineData("解放街１２３号３栋２单元５０１", "解放街", "123", "3", "2", "501")]
    [InlineData("某路88弄12号", "某路", "12", null, null, null)]
    [InlineData("解放街123", "解放街", "123", null, null, null)]
    [InlineData("解放街十二号", "解放街", "12", null, null, null)]
    public void Parse_TakesTheNumberedPartsOffTheEnd(string written, string place, string? number, string? building, string? unit, string? room)
    {
        var text = AddressText.Parse(written);

        Assert.Equal((place, number, building, unit, room), (text.Place, text.Number, text.Building, text.Unit, text.Room));
    }

    [Theory]
    [InlineData("一百二十三", "123")]
    [InlineData("十二", "12")]
    [InlineData("两千零五", "2005")]
    [InlineData("一二三", "123")]
    [InlineData("三十", "30")]
    public void ChineseNumerals_ToDigits(string numeral, string digits) => Assert.Equal(digits, AddressText.ToDigits(numeral));
}
