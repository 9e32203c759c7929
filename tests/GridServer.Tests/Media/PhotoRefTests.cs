using System.Collections.Immutable;
using GridServer.Domain.Cases;
using GridServer.Domain.Media;

namespace GridServer.Tests.Media;

/// <summary>Photo references, EXIF facts read strictly, and the matter rule that final feedback carries an after photo.</summary>
public sealed class PhotoRefTests
{
    private static readonly string Id = new('a', 64);

    [Theory]
    [InlineData(PhotoStage.Before, false)]
    [InlineData(PhotoStage.After, true)]
    [InlineData(PhotoStage.Report, false)]
    public void Written_ReadsBack(PhotoStage stage, bool isPublic)
    {
        var photo = new PhotoRef(stage, Id, isPublic);
        Assert.Equal(photo, PhotoRef.Parse(photo.ToString(), out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("photo:after", "photo:<before|after>:<id>")]
    [InlineData("photo:during:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "report, before or after")]
    [InlineData("photo:after:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not a photo id")]
    [InlineData("photo:after:../../etc/passwd", "not a photo id")]
    [InlineData("photo:after:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:secret", "':public' only")]
    [InlineData("photo:after:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:public:x", "photo:<before|after>:<id>")]
    public void Unreadable_SaysWhy(string reference, string why)
    {
        Assert.Null(PhotoRef.Parse(reference, out var error));
        Assert.Contains(why, error);
    }

    [Fact]
    public void In_PicksThePhotos_PassesOverOtherEvidence()
    {
        var photos = PhotoRef.In(["https://example.com/a.jpg", $"photo:before:{Id}", "photo:bad", null, $"photo:after:{Id}:public"]).ToList();
        Assert.Equal([new PhotoRef(PhotoStage.Before, Id), new PhotoRef(PhotoStage.After, Id, true)], photos);
    }

    [Theory]
    [InlineData(28.0, 0.0, 0.0, "N", false, 28.0)]
    [InlineData(33.0, 51.0, 54.0, "S", false, -33.865)]
    [InlineData(120.0, 39.0, 0.0, "E", true, 120.65)]
    [InlineData(74.0, 0.0, 21.6, "W", true, -74.006)]
    public void Degrees_FromDegreesMinutesSeconds(double d, double m, double s, string reference, bool longitude, double expected) =>
        Assert.Equal(expected, PhotoFacts.Degrees([d, m, s], reference, longitude)!.Value, 9);

    [Theory]
    [InlineData(91.0, 0.0, 0.0, "N", false)]
    [InlineData(28.0, 60.0, 0.0, "N", false)]
    [InlineData(28.0, 0.0, 0.0, "E", false)]   // a latitude with a longitude's reference
    [InlineData(28.0, 0.0, 0.0, "", false)]
    [InlineData(181.0, 0.0, 0.0, "E", true)]
    [InlineData(double.NaN, 0.0, 0.0, "E", true)]
    [InlineData(-1.0, 0.0, 0.0, "E", true)]
    public void Degrees_OutOfRangeOrUnreferenced_Nothing(double d, double m, double s, string reference, bool longitude) =>
        Assert.Null(PhotoFacts.Degrees([d, m, s], reference, longitude));

    [Fact]
    public void Position_ZeroZeroIsNoFix_AndBothCoordinatesAreNeeded()
    {
        Assert.Null(PhotoFacts.Position([0, 0, 0], "N", [0, 0, 0], "E"));
        Assert.Null(PhotoFacts.Position([28, 0, 0], "N", null, "E"));
        Assert.Equal((120.65, 28.0), PhotoFacts.Position([28, 0, 0], "N", [120, 39, 0], "E"));
    }

    [Theory]
    [InlineData("2026:12:01 08:30:00", "+08:00", "2026-12-01T08:30:00+08:00")]
    [InlineData("2026:12:01 08:30:00", null, "2026-12-01T08:30:00+08:00")]   // no offset: the bureau's
    [InlineData("2026:06:01 08:30:00\0", "-04:00\0", "2026-06-01T08:30:00-04:00")]
    public void TakenAt_Reads(string text, string? offset, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), PhotoFacts.TakenAt(text, offset));

    [Theory]
    [InlineData("0000:00:00 00:00:00", null)]
    [InlineData("2026-12-01 08:30:00", null)]
    [InlineData("2026:13:01 08:30:00", null)]
    [InlineData("2026:12:01 08:30:00", "+25:00")]
    [InlineData("2026:12:01 08:30:00", "0800")]
    public void TakenAt_Unreadable_Nothing(string text, string? offset) => Assert.Null(PhotoFacts.TakenAt(text, offset));

    [Fact]
    public void MetresBetween_OneThousandthOfADegreeOfLatitude_About111m() =>
        Assert.InRange(PhotoFacts.MetresBetween(120.65, 28.0, 120.65, 28.001), 110.5, 111.7);

    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.FromHours(8));

    private static CaseFile Handling(CaseWorkflow workflow)
    {
        var file = CaseFile.Reported("C-1", "parking", T0, "citizen", null);
        foreach (var (action, minutes) in new[] { (CaseAction.Register, 1), (CaseAction.Dispatch, 2), (CaseAction.Accept, 3), (CaseAction.StartHandling, 4) })
        {
            var step = workflow.Apply(file, new CaseCommand(action, "O-1", T0.AddMinutes(minutes), "n"));
            Assert.True(step.Accepted, step.Refusal?.Message);
            file = step.Case;
        }
        return file;
    }

    [Fact]
    public void FinalFeedback_MatterAsksForAnAfterPhoto_RefusedWithoutOne_TakenWithOne()
    {
        var workflow = new CaseWorkflow(CaseTimeLimits.Default, WallClockCalendar.Instance, requireAfterPhoto: true);
        var file = Handling(workflow);
        var at = T0.AddMinutes(30);
        foreach (var evidence in new[] { ImmutableArray<string>.Empty, [$"photo:before:{Id}"], ["https://example.com/after.jpg"] })
        {
            var refused = workflow.Apply(file, new CaseCommand(CaseAction.GiveFinalFeedback, "O-1", at, "done", evidence));
            Assert.Equal(CaseRefusalCode.Invalid, refused.Refusal?.Code);
            Assert.Contains("处置后照片", refused.Refusal!.Message);
        }
        Assert.True(workflow.Apply(file, new CaseCommand(CaseAction.GiveFinalFeedback, "O-1", at, "done", [$"photo:before:{Id}", $"photo:after:{Id}"])).Accepted);
        // Without the rule, feedback needs no photo.
        var plain = new CaseWorkflow(CaseTimeLimits.Default, WallClockCalendar.Instance);
        Assert.True(plain.Apply(Handling(plain), new CaseCommand(CaseAction.GiveFinalFeedback, "O-1", at, "done")).Accepted);
    }
}
