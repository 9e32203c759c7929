using System.Text;
using GridServer.Domain.Media;
using GridServer.Silo.Media;
using GridServer.Tests.Support;
using ImageMagick;
using Microsoft.Extensions.Options;

namespace GridServer.Tests.Media;

/// <summary>
/// The photo intake with the real decoders: what phones send comes out upright, clean and the same each time; what is
/// made to hurt (cut off, a bomb, a disguise, a polyglot, huge metadata) is refused or reduced to pixels.
/// </summary>
public sealed class PhotoIntakeTests : IDisposable
{
    private readonly PhotoIntake _intake = Intake();

    public void Dispose() => _intake.Dispose();

    private static PhotoIntake Intake(MediaOptions? options = null) =>
        new(Options.Create(options ?? new MediaOptions()), new InMemoryMediaStore(1024 * 1024 * 1024), TimeProvider.System);

    private CleanPhoto Clean(byte[] file)
    {
        var (photo, refusal) = _intake.Clean(file);
        Assert.True(photo is not null, refusal?.Detail);
        return photo;
    }

    private PhotoRefusal Refused(byte[] file)
    {
        var (photo, refusal) = _intake.Clean(file);
        Assert.Null(photo);
        return refusal!;
    }

    private static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.ASCII.GetBytes(needle)) >= 0;

    [Fact]
    public void PhoneJpeg_TurnedUpright_PositionAndTimeKept_NothingOfItsMetadataInTheStoredImage()
    {
        var file = TestPhotos.PhoneJpeg();
        using (var sent = new MagickImage(file))   // the test photo is what it claims: sideways, with GPS
        {
            Assert.Equal(Orientation.RightTop, sent.Orientation);
            Assert.NotNull(sent.GetExifProfile()?.GetValue(ExifTag.GPSLatitude));
        }

        var photo = Clean(file);

        Assert.Equal((600, 800), (photo.Width, photo.Height));
        Assert.Equal(TestPhotos.Taken.Lon, photo.Metadata.Lon!.Value, 9);
        Assert.Equal(TestPhotos.Taken.Lat, photo.Metadata.Lat!.Value, 9);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.FromHours(8)), photo.Metadata.TakenAt);
        Assert.Equal(("JPEG", (long)file.Length), (photo.Metadata.OriginalFormat, photo.Metadata.OriginalBytes));
        Assert.Equal(MediaIds.Of(photo.Images.Image), photo.Id);

        using var stored = new MagickImage(photo.Images.Image);
        Assert.Equal(MagickFormat.Jpeg, stored.Format);
        Assert.Null(stored.GetExifProfile());
        Assert.Null(stored.GetXmpProfile());
        Assert.False(Contains(photo.Images.Image, "Exif"));
        Assert.False(Contains(photo.Images.Image, "TestPhone"));
        // Upright: the stored top-left red quarter, turned a quarter clockwise, is now the top-right one.
        var pixels = stored.GetPixels();
        Assert.True(pixels.GetPixel(590, 10).ToColor()!.R > 200 && pixels.GetPixel(590, 10).ToColor()!.B < 60);
        Assert.True(pixels.GetPixel(10, 10).ToColor()!.B > 200 && pixels.GetPixel(10, 10).ToColor()!.R < 60);

        using var thumbnail = new MagickImage(photo.Images.Thumbnail);
        Assert.Equal((240u, 320u), (thumbnail.Width, thumbnail.Height));
        Assert.Null(thumbnail.GetExifProfile());
    }

    [Fact]
    public void SamePhotoTwice_SameId_AnotherPhoto_AnotherId()
    {
        Assert.Equal(Clean(TestPhotos.PhoneJpeg(seed: 1)).Id, Clean(TestPhotos.PhoneJpeg(seed: 1)).Id);
        Assert.NotEqual(Clean(TestPhotos.PhoneJpeg(seed: 1)).Id, Clean(TestPhotos.PhoneJpeg(seed: 2)).Id);
    }

    [Fact]
    public void PhotoWithoutGps_NoPosition()
    {
        var photo = Clean(TestPhotos.PhoneJpeg(withGps: false));
        Assert.Null(photo.Metadata.Lon);
        Assert.Null(photo.Metadata.Lat);
        Assert.NotNull(photo.Metadata.TakenAt);
    }

    [Fact]
    public void TransparentPng_StoredAsJpegOnWhite()
    {
        var photo = Clean(TestPhotos.TransparentPng());
        using var stored = new MagickImage(photo.Images.Image);
        Assert.Equal(MagickFormat.Jpeg, stored.Format);
        var blank = stored.GetPixels().GetPixel(150, 50).ToColor()!;
        Assert.True(blank.R > 240 && blank.G > 240 && blank.B > 240, $"the transparent half is white, not {blank}");
        Assert.Equal("PNG", photo.Metadata.OriginalFormat);
    }

    [Fact]
    public void WebP_Taken()
    {
        var photo = Clean(TestPhotos.WebP());
        Assert.Equal((320, 240, "WEBP"), (photo.Width, photo.Height, photo.Metadata.OriginalFormat));
    }

    /// <summary>A real HEIF container (AVIF) decodes through the HEIF reader: the picture survives, stored as a JPEG.</summary>
    [Fact]
    public void Avif_Taken_ThePictureSurvives()
    {
        var file = TestPhotos.Avif();
        Assert.Equal(MagickFormat.Avif, PhotoIntake.Sniff(file));
        var photo = Clean(file);
        Assert.Equal((320, 240, "AVIF"), (photo.Width, photo.Height, photo.Metadata.OriginalFormat));
        using var stored = new MagickImage(photo.Images.Image);
        Assert.Equal(MagickFormat.Jpeg, stored.Format);
        using var pixels = stored.GetPixels();
        var (left, right) = (pixels.GetPixel(40, 120).ToColor()!, pixels.GetPixel(280, 120).ToColor()!);
        Assert.True(left.G > 200 && left.R < 60 && left.B < 60, $"left half should be green, was {left}");
        Assert.True(right.R > 200 && right.B > 200 && right.G < 60, $"right half should be magenta, was {right}");
    }

    [Fact]
    public void LargePhoto_ScaledToTheStoredSide()
    {
        using var intake = Intake(new MediaOptions { MaxStoredSide = 600 });
        var (photo, _) = intake.Clean(TestPhotos.NoisyJpeg(1200, 900));
        Assert.Equal((600, 450), (photo!.Width, photo.Height));
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.6)]
    [InlineData(0.95)]
    public void CutOffJpeg_RefusedAsDamaged_NotStoredHalfGrey(double kept)
    {
        var file = TestPhotos.NoisyJpeg();
        var refusal = Refused(file[..(int)(file.Length * kept)]);
        Assert.Equal((422, "Unreadable photo"), (refusal.Status, refusal.Title));
        Assert.Contains("damaged or cut off", refusal.Detail);
    }

    [Fact]
    public void CutOffPng_RefusedAsDamaged()
    {
        var file = TestPhotos.TransparentPng();
        Assert.Equal(422, Refused(file[..(file.Length / 2)]).Status);
    }

    [Fact]
    public void PngClaimingAHugeImage_RefusedFromItsHeader_BeforeDecoding()
    {
        var bomb = TestPhotos.PngClaiming(30_000);
        Assert.True(bomb.Length < 1000);
        var refusal = Refused(bomb);
        Assert.Equal((422, "Too many pixels"), (refusal.Status, refusal.Title));
        Assert.Contains("30000×30000", refusal.Detail);
    }

    [Fact]
    public void PngClaimingMoreThanItsDecoderTakes_Refused()
    {
        // 200,000 a side is past what the PNG decoder itself reads from a header ("Invalid IHDR data"): refused as unreadable.
        Assert.Equal(422, Refused(TestPhotos.PngClaiming(200_000)).Status);
        Assert.Equal("Too many pixels", Refused(TestPhotos.PngClaiming(60_000)).Title);
    }

    [Fact]
    public void JpegClaimingAHugeImage_Refused()
    {
        var refusal = Refused(TestPhotos.JpegClaiming65000());
        Assert.Equal((422, "Too many pixels"), (refusal.Status, refusal.Title));
    }

    [Fact]
    public void PixelBound_IsTheConfiguredOne()
    {
        using var intake = Intake(new MediaOptions { MaxMegapixels = 1 });
        var (photo, refusal) = intake.Clean(TestPhotos.NoisyJpeg(1200, 900));   // 1.08 megapixels
        Assert.Null(photo);
        Assert.Equal("Too many pixels", refusal!.Title);
        Assert.NotNull(intake.Clean(TestPhotos.NoisyJpeg(1000, 1000)).Photo);
    }

    public static TheoryData<string, byte[]> NotPhotos => new()
    {
        { "empty", [] },
        { "text", Encoding.UTF8.GetBytes("just text, named photo.jpg") },
        { "html", Encoding.UTF8.GetBytes("<html><script>alert(document.cookie)</script></html>") },
        { "svg", Encoding.UTF8.GetBytes("<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>") },
        { "imagemagick script", Encoding.UTF8.GetBytes("push graphic-context\nviewbox 0 0 640 480\nfill 'url(https://example.com/x.jpg\"|ls \"-la)'\npop graphic-context") },
        { "pdf", Encoding.UTF8.GetBytes("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF") },
        { "zip", [0x50, 0x4B, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0] },
        { "gif", Encoding.ASCII.GetBytes("GIF89a\x01\0\x01\0\0\0\0;") },
        { "jpeg magic only", [0xFF, 0xD8] },
    };

    [Theory, MemberData(nameof(NotPhotos))]
    public void NotAPhoto_Refused_WhateverItIsCalled(string what, byte[] file)
    {
        var refusal = Refused(file);
        Assert.True(refusal.Status is 400 or 415, $"{what}: {refusal.Status} {refusal.Detail}");
    }

    [Fact]
    public void JpegHeaderOnAnotherFile_RefusedAsDamaged()
    {
        var refusal = Refused([0xFF, 0xD8, 0xFF, 0xE0, .. Encoding.ASCII.GetBytes("<html><script>alert(1)</script></html>")]);
        Assert.Equal(422, refusal.Status);
    }

    [Fact]
    public void Polyglot_JpegWithAPageAndAnArchiveAfterIt_OnlyThePixelsKept()
    {
        var tail = Encoding.ASCII.GetBytes("<html><script>alert('polyglot')</script></html>PK\x03\x04polyglot-archive");
        var photo = Clean([.. TestPhotos.PhoneJpeg(seed: 3), .. tail]);
        Assert.False(Contains(photo.Images.Image, "polyglot"));
        Assert.False(Contains(photo.Images.Image, "<script"));
        Assert.Equal(Clean(TestPhotos.PhoneJpeg(seed: 3)).Id, photo.Id);   // the same pixels, the same photo
    }

    [Fact]
    public void HugeMetadata_LeftBehind_ThePhotoKept()
    {
        var file = TestPhotos.JpegWithHugeMetadata(segments: 60, fill: (byte)'Q');   // about 3.9 MB of metadata
        Assert.True(file.Length > 3_000_000);
        var photo = Clean(file);
        Assert.True(photo.Images.Image.Length < 100_000);
        Assert.False(Contains(photo.Images.Image, "QQQQQQQQ"));
    }

    [Fact]
    public void FileOverTheUploadBound_RefusedUnread()
    {
        using var intake = Intake(new MediaOptions { MaxUploadMiB = 1 });
        var (photo, refusal) = intake.Clean([0xFF, 0xD8, 0xFF, .. new byte[1024 * 1024]]);
        Assert.Null(photo);
        Assert.Equal(413, refusal!.Status);
    }

    [Fact]
    public void Sniff_HeifBrands_AreHeic_OtherBrandsAreNot()
    {
        static byte[] Ftyp(string brand) => [0, 0, 0, 24, .. "ftyp"u8.ToArray(), .. Encoding.ASCII.GetBytes(brand), 0, 0, 0, 0];
        Assert.Equal(MagickFormat.Heic, PhotoIntake.Sniff(Ftyp("heic")));
        Assert.Equal(MagickFormat.Heic, PhotoIntake.Sniff(Ftyp("mif1")));
        Assert.Null(PhotoIntake.Sniff(Ftyp("isom")));   // an MP4 video
        Assert.Null(PhotoIntake.Sniff(Ftyp("qt  ")));
        // A HEIC container without an image in it does not decode.
        Assert.Equal(422, Refused(Ftyp("heic")).Status);
    }

    [Fact]
    public async Task StoreAsync_KeepsThePhotoOnce_TheSecondSendingAnswersTheFirst()
    {
        var store = new InMemoryMediaStore(1024 * 1024 * 1024);
        using var intake = new PhotoIntake(Options.Create(new MediaOptions()), store, TimeProvider.System);
        var file = TestPhotos.PhoneJpeg(seed: 9);
        var first = await intake.StoreAsync(file, "O-1", CancellationToken.None);
        var second = await intake.StoreAsync(file, "O-2", CancellationToken.None);
        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Photo!.Id, second.Photo!.Id);
        Assert.Equal("O-1", second.Photo.UploadedBy);
        Assert.Equal(first.Photo.Bytes + (await store.ReadAsync(first.Photo.Id, thumbnail: true))!.Length, store.StoredBytes);
    }

    [Fact]
    public async Task StoreAsync_InMemoryStoreFull_Refused507_NothingDropped()
    {
        var store = new InMemoryMediaStore(100_000);
        using var intake = new PhotoIntake(Options.Create(new MediaOptions()), store, TimeProvider.System);
        var kept = await intake.StoreAsync(TestPhotos.PhoneJpeg(seed: 10), "O-1", CancellationToken.None);
        Assert.True(kept.Created);
        var refused = await intake.StoreAsync(TestPhotos.NoisyJpeg(), "O-1", CancellationToken.None);
        Assert.Equal(507, refused.Refusal!.Status);
        Assert.NotNull(await store.ReadAsync(kept.Photo!.Id, thumbnail: false));
    }
}
