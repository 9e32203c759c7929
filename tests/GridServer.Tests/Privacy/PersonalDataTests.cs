using FsCheck;
using FsCheck.Fluent;
using GridServer.Domain.Privacy;

namespace GridServer.Tests.Privacy;

/// <summary>Phone and ID numbers masked in text that leaves the bureau, however they are written.</summary>
public sealed class PersonalDataTests
{
    [Theory]
    [InlineData("车主电话13800138000，请速来挪车", "车主电话***，请速来挪车")]
    [InlineData("call 138 0013 8000 now", "call *** now")]
    [InlineData("call 138-0013-8000", "call ***")]
    [InlineData("+86 138 0013 8000", "+***")]
    [InlineData("+86-138-0013-8000 或 0086 13800138000", "+*** 或 ***")]
    [InlineData("１３８００１３８０００", "***")]
    [InlineData("＋８６　１３８－００１３－８０００", "＋***")]
    [InlineData("１３８ ００１３ ８０００ 张先生", "*** 张先生")]
    [InlineData("一三八〇〇一三八〇〇〇", "***")]
    [InlineData("幺三八零零幺三八零零零", "***")]
    [InlineData("①③⑧⓪⓪①③⑧⓪⓪⓪", "***")]
    [InlineData("𝟏𝟑𝟖𝟎𝟎𝟏𝟑𝟖𝟎𝟎𝟎 math digits", "*** math digits")]
    [InlineData("座机 0577-88123456 转 8", "座机 *** 转 8")]
    [InlineData("座机(0577) 8812 3456", "座机(***")]
    [InlineData("（０５７７）８８１２３４５６", "（***")]
    [InlineData("电话 88123456", "电话 ***")]
    [InlineData("身份证 33030219900101123X 的王某", "身份证 *** 的王某")]
    [InlineData("身份证330302199001011234", "身份证***")]
    [InlineData("ID 330302 19900101 123x.", "ID ***.")]
    [InlineData("３３０３０２１９９００１０１１２３Ｘ", "***")]
    [InlineData("旧证 330302900101123", "旧证 ***")]
    [InlineData("138.0013.8000", "***")]
    [InlineData("138 / 0013 / 8000", "***")]
    public void MaskNumbers_PhoneOrIdNumber_IsMaskedWhole(string text, string expected)
    {
        Assert.Equal(expected, PersonalData.MaskNumbers(text));
    }

    [Theory]
    [InlineData("鹿城区人民路 12 号门口")]
    [InlineData("浙C12345 停在人行道上")]
    [InlineData("打 12345 热线反映过，12319 也打了")]
    [InlineData("2026年11月28日 08:30")]
    [InlineData("罚款 2,000 元")]
    [InlineData("")]
    public void MaskNumbers_ShortNumbers_Kept(string text)
    {
        Assert.Equal(text, PersonalData.MaskNumbers(text));
    }

    [Fact]
    public void MaskNumbers_Null_StaysNull() => Assert.Null(PersonalData.MaskNumbers(null));

    /// <summary>A mobile number written with any of the separators people use between any of its digits never leaves a digit behind.</summary>
    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property MaskNumbers_MobileWithAnySpacing_LeavesNoDigit()
    {
        var separators = new[] { "", "", "", " ", "-", "\u3000", "－", " - ", ".", "  " };
        var digitForms = new[] { "0123456789", "０１２３４５６７８９" };
        var mobile = Gen.Elements("3", "4", "5", "6", "7", "8", "9").SelectMany(second =>
            Gen.ArrayOf(Gen.Choose(0, 9), 9).Select(rest => new[] { 1, int.Parse(second, System.Globalization.CultureInfo.InvariantCulture) }.Concat(rest).ToArray()));
        var written = mobile.SelectMany(digits => Gen.Elements(digitForms).SelectMany(form =>
            Gen.ArrayOf(Gen.Elements(separators), digits.Length).Select(gaps =>
                string.Concat(digits.Select((d, i) => (i == 0 ? "" : gaps[i]) + form[d].ToString())))));
        return Prop.ForAll(written.ToArbitrary(), number =>
        {
            var masked = PersonalData.MaskNumbers($"请联系{number}谢谢")!;
            return masked == "请联系***谢谢";
        });
    }

    [Theory]
    [InlineData(120.646042853, 3, 120.646)]
    [InlineData(28.0033805911, 2, 28.0)]
    [InlineData(-0.00051, 3, -0.001)]
    public void RoundDegrees_ToTheDecimalsAsked(double degrees, int decimals, double expected)
    {
        Assert.Equal(expected, PersonalData.RoundDegrees(degrees, decimals));
    }
}
