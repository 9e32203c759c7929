using GridServer.Domain.Media;
using GridServer.Storage.Media;
using GridServer.Tests.Support;

namespace GridServer.Tests.Postgres;

/// <summary>The photo store (V026) in PostGIS and in memory: the same answers; a photo stored twice is kept once, as first stored.</summary>
public class MediaStoreTests(PostgisDatabase database) : IClassFixture<PostgisDatabase>
{
    public static TheoryData<string> Stores => new() { "memory", "postgis" };

    private IMediaStore Store(string kind) => kind == "memory" ? new InMemoryMediaStore(64 * 1024 * 1024) : new PostgisMediaStore(database.DataSource);

    private static (StoredPhoto Photo, PhotoImages Images) Photo(byte[] image, string by, PhotoMetadata? metadata = null) =>
        (new StoredPhoto(MediaIds.Of(image), 600, 800, image.Length, metadata ?? new PhotoMetadata(120.65, 28.0, new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.FromHours(8)), "HEIC", 2_345_678),
            by, new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero)), new PhotoImages(image, [.. image.Take(100)]));

    [PostgisTheory, MemberData(nameof(Stores))]
    public async Task Stored_ReadBack_ImageThumbnailAndFacts_SecondStoringKeepsTheFirst(string kind)
    {
        var store = Store(kind);
        var bytes = Guid.NewGuid().ToByteArray().Concat(new byte[5000]).ToArray();
        var (photo, images) = Photo(bytes, "O-1");

        Assert.True(await store.PutAsync(photo, images));
        Assert.False(await store.PutAsync(photo with { UploadedBy = "O-2" }, images));

        var found = await store.FindAsync(photo.Id);
        Assert.Equal(photo with { UploadedAt = found!.UploadedAt, Metadata = found.Metadata }, found);
        Assert.Equal(photo.UploadedAt, found.UploadedAt);
        Assert.Equal((120.65, 28.0, "HEIC", 2_345_678L), (found.Metadata.Lon!.Value, found.Metadata.Lat!.Value, found.Metadata.OriginalFormat, found.Metadata.OriginalBytes));
        Assert.Equal(photo.Metadata.TakenAt!.Value.UtcDateTime, found.Metadata.TakenAt!.Value.UtcDateTime);
        Assert.Equal(bytes, await store.ReadAsync(photo.Id, thumbnail: false));
        Assert.Equal(images.Thumbnail, await store.ReadAsync(photo.Id, thumbnail: true));
    }

    [PostgisTheory, MemberData(nameof(Stores))]
    public async Task Unknown_Nothing_AndAPhotoWithoutFacts_KeepsNone(string kind)
    {
        var store = Store(kind);
        Assert.Null(await store.FindAsync(new string('e', 64)));
        Assert.Null(await store.ReadAsync(new string('e', 64), thumbnail: false));
        var (photo, images) = Photo(Guid.NewGuid().ToByteArray(), "O-1", new PhotoMetadata(null, null, null, "PNG", 16));
        await store.PutAsync(photo, images);
        var found = await store.FindAsync(photo.Id);
        Assert.Equal((null, null, null), (found!.Metadata.Lon, found.Metadata.Lat, found.Metadata.TakenAt));
    }
}
