using GridServer.Domain.Media;
using ImageMagick;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Media;

/// <summary>Why a photo was not taken: the HTTP status and problem to answer.</summary>
public sealed record PhotoRefusal(int Status, string Title, string Detail);

/// <summary>A photo made clean: re-encoded as a JPEG, turned upright, without any metadata; with its thumbnail and what its EXIF said.</summary>
public sealed record CleanPhoto(string Id, PhotoImages Images, int Width, int Height, PhotoMetadata Metadata);

/// <summary>
/// Takes photos as phones and browsers send them (JPEG, PNG, HEIC/HEIF, AVIF, WebP) and keeps only a clean image: the format
/// is told from the file's first bytes, never from its name or the type the client claims, and only these four
/// decoders are ever reached; the pixel count is read from the header and checked before anything is decoded; a file
/// that is damaged or cut off is refused, not stored half grey. The EXIF orientation is applied, the EXIF position and
/// time are kept as metadata, and everything else the file carried (EXIF, XMP, ICC, comments, trailing bytes of a
/// polyglot) is left behind: what is stored and served is only the pixels, encoded anew.
/// </summary>
public sealed class PhotoIntake : IDisposable
{
    private readonly MediaOptions _options;
    private readonly IMediaStore _store;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _decoders;

    static PhotoIntake()
    {
        // Bounds for the decoders as well as the checks below: no side longer than a photo has, one thread per decode
        // (decodes are already run side by side, at most ConcurrentDecodes), no profile larger than a real one.
        ResourceLimits.Width = 100_000;
        ResourceLimits.Height = 100_000;
        ResourceLimits.Thread = 1;
        ResourceLimits.MaxProfileSize = 1024 * 1024;
    }

    public PhotoIntake(IOptions<MediaOptions> options, IMediaStore store, TimeProvider time)
    {
        _options = options.Value;
        _store = store;
        _time = time;
        _decoders = new SemaphoreSlim(_options.ConcurrentDecodes);
    }

    public void Dispose() => _decoders.Dispose();

    /// <summary>The formats taken, by the name a refusal gives them.</summary>
    public const string Accepted = "JPEG, PNG, HEIC/HEIF, AVIF or WebP";

    /// <summary>The decoder for a file's first bytes, or null for anything else.</summary>
    public static MagickFormat? Sniff(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF) return MagickFormat.Jpeg;
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])) return MagickFormat.Png;
        if (head.Length >= 12 && head[..4].SequenceEqual("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8)) return MagickFormat.WebP;
        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
        {
            var brand = System.Text.Encoding.ASCII.GetString(head[8..12]);
            if (brand is "heic" or "heix" or "hevc" or "hevx" or "heim" or "heis" or "hevm" or "hevs" or "mif1" or "msf1") return MagickFormat.Heic;
            // AVIF: the same HEIF container, AV1 inside (newer Android phones and browsers).
            if (brand is "avif" or "avis") return MagickFormat.Avif;
        }
        return null;
    }

    /// <summary>Cleans a photo and stores it; the same photo sent again is the photo stored before (its id is its image's hash).</summary>
    public async Task<(StoredPhoto? Photo, bool Created, PhotoRefusal? Refusal)> StoreAsync(byte[] file, string uploadedBy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!await _decoders.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken))
            return (null, false, new PhotoRefusal(503, "Busy", "too many photos are being taken at once on this server; send it again in a moment"));
        CleanPhoto? clean;
        PhotoRefusal? refusal;
        try
        {
            (clean, refusal) = await Task.Run(() => Clean(file), cancellationToken);
        }
        finally
        {
            _decoders.Release();
        }
        if (clean is null) return (null, false, refusal);
        var photo = new StoredPhoto(clean.Id, clean.Width, clean.Height, clean.Images.Image.LongLength, clean.Metadata, uploadedBy, _time.GetUtcNow());
        try
        {
            var created = await _store.PutAsync(photo, clean.Images, cancellationToken);
            return (created ? photo : await _store.FindAsync(photo.Id, cancellationToken) ?? photo, created, null);
        }
        catch (MediaStoreFullException full)
        {
            return (null, false, new PhotoRefusal(507, "Photo store full", full.Message));
        }
    }

    /// <summary>The clean photo, or why the file is not one.</summary>
    public (CleanPhoto? Photo, PhotoRefusal? Refusal) Clean(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Length == 0) return (null, new PhotoRefusal(400, "Empty photo", "the photo file is empty"));
        if (file.LongLength > _options.MaxUploadBytes)
            return (null, new PhotoRefusal(413, "Photo too large", $"a photo may have at most {_options.MaxUploadMiB} MiB, this one has {file.LongLength / (1024.0 * 1024):0.0} MiB"));
        if (Sniff(file) is not { } format)
            return (null, new PhotoRefusal(415, "Not a photo", $"the file is not a {Accepted} image (told from its first bytes, whatever its name or type says)"));

        var settings = new MagickReadSettings { Format = format, FrameIndex = 0, FrameCount = 1 };
        var name = format == MagickFormat.Heic ? "HEIC" : format.ToString().ToUpperInvariant();
        try
        {
            var info = new MagickImageInfo(file, settings);
            var pixels = (long)info.Width * info.Height;
            if (info.Width == 0 || info.Height == 0) return (null, Unreadable(name));
            if (pixels > _options.MaxMegapixels * 1_000_000L)
                return (null, new PhotoRefusal(422, "Too many pixels",
                    $"the {name} says it is {info.Width}×{info.Height} ({pixels / 1e6:0.#} megapixels); at most {_options.MaxMegapixels} megapixels are taken"));

            using var image = new MagickImage();
            var damaged = false;
            image.Warning += (_, e) => damaged |= e.Message.Contains("Premature end", StringComparison.OrdinalIgnoreCase)
                || e.Message.Contains("Corrupt", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("truncat", StringComparison.OrdinalIgnoreCase);
            image.Read(file, settings);
            if (damaged) return (null, Unreadable(name));
            if ((long)image.Width * image.Height > _options.MaxMegapixels * 1_000_000L)
                return (null, new PhotoRefusal(422, "Too many pixels", $"the {name} is larger than its header said; at most {_options.MaxMegapixels} megapixels are taken"));

            var metadata = Metadata(image.GetExifProfile(), name, file.LongLength);
            image.AutoOrient();
            ToSrgb(image);
            if (image.HasAlpha)
            {
                image.BackgroundColor = MagickColors.White;
                image.Alpha(AlphaAction.Remove);
            }
            var side = (uint)_options.MaxStoredSide;
            if (image.Width > side || image.Height > side) image.Resize(new MagickGeometry(side, side));
            image.Strip();
            image.Quality = 85;
            image.Settings.Interlace = Interlace.Plane;   // progressive: a weak connection shows the whole photo early
            var clean = image.ToByteArray(MagickFormat.Jpeg);
            using var thumbnail = image.Clone();
            thumbnail.Thumbnail(new MagickGeometry((uint)_options.ThumbnailSide, (uint)_options.ThumbnailSide));
            thumbnail.Strip();
            thumbnail.Quality = 75;
            var small = thumbnail.ToByteArray(MagickFormat.Jpeg);
            return (new CleanPhoto(MediaIds.Of(clean), new PhotoImages(clean, small), (int)image.Width, (int)image.Height, metadata), null);
        }
        catch (MagickException e) when (e is MagickResourceLimitErrorException || e.Message.Contains("exceeds limit", StringComparison.OrdinalIgnoreCase))
        {
            return (null, new PhotoRefusal(422, "Too many pixels", $"the {name} needs more memory to decode than a photo does; at most {_options.MaxMegapixels} megapixels are taken"));
        }
        catch (MagickException)
        {
            return (null, Unreadable(name));
        }
    }

    private static PhotoRefusal Unreadable(string format) =>
        new(422, "Unreadable photo", $"the file starts as a {format} but does not decode as one: it is damaged or cut off; send the photo again");

    /// <summary>Where and when, from EXIF (before it is stripped); the file's format and size as sent.</summary>
    private static PhotoMetadata Metadata(IExifProfile? exif, string format, long bytes)
    {
        if (exif is null) return new PhotoMetadata(null, null, null, format, bytes);
        static double[]? Dms(IExifValue<Rational[]>? value) => value?.Value is { Length: 3 } r ? [.. r.Select(x => x.Denominator == 0 ? double.NaN : x.ToDouble())] : null;
        var position = PhotoFacts.Position(Dms(exif.GetValue(ExifTag.GPSLatitude)), exif.GetValue(ExifTag.GPSLatitudeRef)?.Value,
            Dms(exif.GetValue(ExifTag.GPSLongitude)), exif.GetValue(ExifTag.GPSLongitudeRef)?.Value);
        var taken = PhotoFacts.TakenAt(exif.GetValue(ExifTag.DateTimeOriginal)?.Value ?? exif.GetValue(ExifTag.DateTime)?.Value,
            exif.GetValue(ExifTag.OffsetTimeOriginal)?.Value);
        return new PhotoMetadata(position?.Lon, position?.Lat, taken, format, bytes);
    }

    /// <summary>Colours as the photo's own profile means them, in sRGB, so that leaving the profile behind changes nothing seen.</summary>
    private static void ToSrgb(MagickImage image)
    {
        if (image.GetColorProfile() is not null)
        {
            try { image.TransformColorSpace(ColorProfiles.SRGB); }
            catch (MagickException) { /* an unusable profile: the pixels as they are */ }
        }
        if (image.ColorSpace is not (ColorSpace.sRGB or ColorSpace.Gray)) image.ColorSpace = ColorSpace.sRGB;
    }
}
