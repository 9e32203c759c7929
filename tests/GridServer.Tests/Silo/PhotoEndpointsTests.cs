using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GridServer.Tests.Support;
using ImageMagick;
using static GridServer.Tests.Support.HttpJson;

namespace GridServer.Tests.Silo;

/// <summary>Photos on: parking's final feedback needs an after photo, a public report's photo is public, uploads up to 2 MiB.</summary>
public sealed class PhotoSilo() : EmbeddedSiloWith(new()
{
    ["GridServer:Cases:Matters:parking:RequireAfterPhoto"] = "true",
    ["GridServer:Open311:Public:ReportPhotos"] = "Public",
    ["GridServer:Open311:RateLimit:PermitsPerMinute"] = "100000",
    ["GridServer:Open311:RateLimit:Burst"] = "1000",
    ["GridServer:Media:MaxUploadMiB"] = "2",
})
{
}

/// <summary>
/// Photos over HTTP as their people use them: the officer photographs before and after, the command center sees them
/// with where they were taken, nobody outside the case does, a liaison sees the public ones; citizens send one with
/// their Open311 report; and every bad upload gets a clear answer.
/// </summary>
public sealed class PhotoEndpointsTests(PhotoSilo silo) : IClassFixture<PhotoSilo>
{
    private const string Grid = "33030200200910";

    private static MultipartFormDataContent Multipart(byte[] file, string field = "file", string name = "IMG_0001.JPG", string type = "image/jpeg")
    {
        var content = new MultipartFormDataContent();
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue(type);
        content.Add(part, field, name);
        return content;
    }

    private static async Task<JsonElement> UploadAsync(HttpClient client, byte[] file, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await client.PostAsync("/api/media", Multipart(file));
        Assert.True(expected == response.StatusCode, await response.Content.ReadAsStringAsync());
        return await JsonOf(response);
    }

    private async Task<string> OpenAsync()
    {
        using var response = await silo.Dispatcher.PostAsync("/api/cases", JsonBody("""{"matter":"parking","lon":120.65,"lat":28.0,"reporterId":"citizen-1"}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await JsonOf(response)).GetProperty("caseId").GetString()!;
    }

    private static async Task<HttpResponseMessage> ActAsync(HttpClient actor, string id, string action, params string[] evidence) =>
        await actor.PostAsJsonAsync($"/api/cases/{id}/actions", new { action, note = "done", evidence });

    [Fact]
    public async Task Officer_PhotographsBeforeAndAfter_DispatcherSeesBoth_LiaisonThePublicOne_OthersNone()
    {
        var staff = await silo.StaffAsync(Grid);
        var officer = await silo.AsAsync("Officer", staff.A);
        var id = await OpenAsync();

        var before = await UploadAsync(officer, TestPhotos.PhoneJpeg(seed: 101));
        var again = await UploadAsync(officer, TestPhotos.PhoneJpeg(seed: 101), HttpStatusCode.OK);   // sent again on a weak connection
        Assert.Equal(before.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.Equal((600, 800), (before.GetProperty("width").GetInt32(), before.GetProperty("height").GetInt32()));
        Assert.Equal(120.65, before.GetProperty("lon").GetDouble(), 9);
        var after = await UploadAsync(officer, TestPhotos.PhoneJpeg(seed: 102));
        var beforeId = before.GetProperty("id").GetString()!;
        var afterId = after.GetProperty("id").GetString()!;

        using (var accept = await ActAsync(officer, id, "Accept")) Assert.Equal(HttpStatusCode.OK, accept.StatusCode);
        using (var start = await ActAsync(officer, id, "StartHandling", before.GetProperty("before").GetString()!)) Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        using (var bare = await ActAsync(officer, id, "GiveFinalFeedback"))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bare.StatusCode);
            Assert.Contains("处置后照片", (await JsonOf(bare)).GetProperty("detail").GetString());
        }
        using (var done = await ActAsync(officer, id, "GiveFinalFeedback", after.GetProperty("after").GetString()! + ":public"))
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);

        using var listed = await silo.Dispatcher.GetAsync($"/api/cases/{id}/photos");
        var photos = (await JsonOf(listed)).EnumerateArray().ToList();
        Assert.Equal([("before", beforeId, false, "StartHandling"), ("after", afterId, true, "GiveFinalFeedback")],
            photos.Select(p => (p.GetProperty("stage").GetString(), p.GetProperty("id").GetString(), p.GetProperty("public").GetBoolean(), p.GetProperty("action").GetString())));
        Assert.All(photos, p => Assert.Equal(staff.A, p.GetProperty("actorId").GetString()));
        Assert.All(photos, p => Assert.InRange(p.GetProperty("metresFromCase").GetDouble(), 0, 1));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 30, 0, TimeSpan.Zero), photos[0].GetProperty("takenAt").GetDateTimeOffset().ToUniversalTime());

        using (var image = await silo.Dispatcher.GetAsync(photos[0].GetProperty("url").GetString()))
        {
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/jpeg", image.Content.Headers.ContentType?.MediaType);
            Assert.Equal("nosniff", image.Headers.GetValues("X-Content-Type-Options").Single());
            var bytes = await image.Content.ReadAsByteArrayAsync();
            Assert.Equal(beforeId, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)));
            using var served = new MagickImage(bytes);
            Assert.Null(served.GetExifProfile());
        }
        using (var thumb = await silo.Dispatcher.GetAsync(photos[0].GetProperty("thumbnailUrl").GetString()))
        {
            Assert.Equal(HttpStatusCode.OK, thumb.StatusCode);
            using var small = new MagickImage(await thumb.Content.ReadAsByteArrayAsync());
            Assert.Equal(320u, Math.Max(small.Width, small.Height));
        }
        using (var badSize = await silo.Dispatcher.GetAsync($"/api/cases/{id}/photos/{beforeId}?size=huge")) Assert.Equal(HttpStatusCode.BadRequest, badSize.StatusCode);

        // A photo stored but not named by this case is not reachable through it.
        var elsewhere = (await UploadAsync(silo.Dispatcher, TestPhotos.PhoneJpeg(seed: 103))).GetProperty("id").GetString();
        using (var notNamed = await silo.Dispatcher.GetAsync($"/api/cases/{id}/photos/{elsewhere}")) Assert.Equal(HttpStatusCode.NotFound, notNamed.StatusCode);

        // An officer of another grid sees nothing of the case, its photos included.
        var stranger = await silo.AsAsync("Officer", (await silo.StaffAsync("33030200200911")).A);
        foreach (var path in new[] { $"/api/cases/{id}/photos", $"/api/cases/{id}/photos/{beforeId}", $"/api/cases/{id}/photos/{afterId}" })
        {
            using var hidden = await stranger.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }
        using (var anonymous = await silo.Client.GetAsync($"/api/cases/{id}/photos/{afterId}")) Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        // The grid's liaison sees the public photo, without where and when it was taken, and not the other.
        var liaisonId = $"L-{Guid.NewGuid():N}"[..12];
        using (var assign = await silo.Operator.PutAsync($"/api/liaisons/{liaisonId}/grids/{Grid}", null)) Assert.Equal(HttpStatusCode.OK, assign.StatusCode);
        var liaison = await silo.AsAsync("Liaison", liaisonId);
        using (var seen = await liaison.GetAsync($"/api/cases/{id}/photos"))
        {
            var only = Assert.Single((await JsonOf(seen)).EnumerateArray());
            Assert.Equal((afterId, JsonValueKind.Null, JsonValueKind.Null), (only.GetProperty("id").GetString(), only.GetProperty("lon").ValueKind, only.GetProperty("takenAt").ValueKind));
        }
        using (var publicOne = await liaison.GetAsync($"/api/cases/{id}/photos/{afterId}")) Assert.Equal(HttpStatusCode.OK, publicOne.StatusCode);
        using (var staffOnly = await liaison.GetAsync($"/api/cases/{id}/photos/{beforeId}")) Assert.Equal(HttpStatusCode.NotFound, staffOnly.StatusCode);
    }

    [Fact]
    public async Task Liaison_ReadsTheCaseAtThePublicLevel_NumbersMasked_NoAddressNotesOrPrivatePhotos()
    {
        var staff = await silo.StaffAsync(Grid);
        var officer = await silo.AsAsync("Officer", staff.A);
        using var opened = await silo.Dispatcher.PostAsync("/api/cases",
            JsonBody("""{"matter":"parking","lon":120.65,"lat":28.0,"reporterId":"hotline","description":"王先生电话 13800138000 门口违停"}"""));
        var id = (await JsonOf(opened)).GetProperty("caseId").GetString()!;
        var before = (await UploadAsync(officer, TestPhotos.PhoneJpeg(seed: 110))).GetProperty("before").GetString()!;
        using (var accept = await officer.PostAsJsonAsync($"/api/cases/{id}/actions", new { action = "Accept", note = "已联系王先生 13800138000" }))
            Assert.Equal(HttpStatusCode.OK, accept.StatusCode);
        using (var start = await ActAsync(officer, id, "StartHandling", before)) Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        var liaisonId = $"L-{Guid.NewGuid():N}"[..12];
        using (var assign = await silo.Operator.PutAsync($"/api/liaisons/{liaisonId}/grids/{Grid}", null)) Assert.Equal(HttpStatusCode.OK, assign.StatusCode);
        var liaison = await silo.AsAsync("Liaison", liaisonId);

        using var read = await liaison.GetAsync($"/api/cases/{id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var seen = await JsonOf(read);
        var text = seen.GetRawText();
        Assert.DoesNotContain("13800138000", text);
        Assert.Contains("门口违停", seen.GetProperty("description").GetString());
        Assert.All(seen.GetProperty("timeline").EnumerateArray(), e => Assert.Equal(JsonValueKind.Null, e.GetProperty("note").ValueKind));
        Assert.All(seen.GetProperty("timeline").EnumerateArray(), e => Assert.Equal(0, e.GetProperty("evidence").GetArrayLength()));
        Assert.Equal(120.65, seen.GetProperty("lon").GetDouble(), 9);   // the place stays exact: the grid is the liaison's own
        Assert.Equal(JsonValueKind.Null, seen.GetProperty("reporterId").ValueKind);
        // Staff read it whole, the reporter's reference with it.
        using var whole = await silo.Dispatcher.GetAsync($"/api/cases/{id}");
        var wholeText = await whole.Content.ReadAsStringAsync();
        Assert.Contains("13800138000", wholeText);
        Assert.Equal("hotline", JsonDocument.Parse(wholeText).RootElement.GetProperty("reporterId").GetString());
    }

    [Fact]
    public async Task Upload_BadInput_ClearAnswers_NothingStored()
    {
        var officer = await silo.AsAsync("Officer", (await silo.StaffAsync(Grid)).A);
        async Task<(HttpStatusCode Status, string Body)> Send(HttpContent content, HttpClient? client = null)
        {
            using var response = await (client ?? officer).PostAsync("/api/media", content);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(Multipart(TestPhotos.PhoneJpeg()), silo.Client)).Status);
        var liaison = await silo.AsAsync("Liaison", $"L-{Guid.NewGuid():N}"[..12]);
        Assert.Equal(HttpStatusCode.Forbidden, (await Send(Multipart(TestPhotos.PhoneJpeg()), liaison)).Status);

        var cases = new (string What, HttpContent Content, HttpStatusCode Status, string Says)[]
        {
            ("empty file", Multipart([]), HttpStatusCode.BadRequest, "empty"),
            ("a page named .jpg", Multipart(Encoding.UTF8.GetBytes("<html><script>alert(1)</script></html>")), HttpStatusCode.UnsupportedMediaType, "JPEG, PNG, HEIC/HEIF, AVIF or WebP"),
            ("wrong field", Multipart(TestPhotos.PhoneJpeg(), field: "photo"), HttpStatusCode.BadRequest, "'file'"),
            ("text body", new StringContent("not a photo", Encoding.UTF8, "text/plain"), HttpStatusCode.UnsupportedMediaType, "multipart/form-data"),
            ("url-encoded form", new FormUrlEncodedContent([new("file", "x")]), HttpStatusCode.UnsupportedMediaType, "multipart/form-data"),
            ("over 2 MiB", Multipart(new byte[3 * 1024 * 1024]), HttpStatusCode.RequestEntityTooLarge, "2 MiB"),
            ("cut off", Multipart(TestPhotos.NoisyJpeg()[..60_000]), HttpStatusCode.UnprocessableEntity, "cut off"),
            ("bomb", Multipart(TestPhotos.PngClaiming(40_000), type: "image/png"), HttpStatusCode.UnprocessableEntity, "megapixels"),
            ("broken multipart", new ByteArrayContent(Encoding.ASCII.GetBytes("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n\xFF\xD8\xFF")) { Headers = { ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b") } },
                HttpStatusCode.BadRequest, "multipart"),
        };
        foreach (var (what, content, status, says) in cases)
        {
            var (got, body) = await Send(content);
            Assert.True(status == got && body.Contains(says, StringComparison.Ordinal), $"{what}: {got} {body}");
        }
        var two = Multipart(TestPhotos.PhoneJpeg(seed: 1));
        two.Add(new ByteArrayContent(TestPhotos.PhoneJpeg(seed: 2)), "file", "b.jpg");
        Assert.Equal(HttpStatusCode.BadRequest, (await Send(two)).Status);

        // The image as the body, as a native app sends it; the type it claims does not matter, its bytes do.
        var raw = new ByteArrayContent(TestPhotos.TransparentPng()) { Headers = { ContentType = new MediaTypeHeaderValue("image/jpeg") } };
        var (rawStatus, rawBody) = await Send(raw);
        Assert.Equal(HttpStatusCode.Created, rawStatus);
        Assert.Contains("\"originalFormat\":\"PNG\"", rawBody);
    }

    [Fact]
    public async Task Evidence_NamingPhotosBadly_Refused_OtherEvidenceAsBefore()
    {
        var staff = await silo.StaffAsync(Grid);
        var officer = await silo.AsAsync("Officer", staff.A);
        var id = await OpenAsync();
        using (var accept = await ActAsync(officer, id, "Accept")) Assert.Equal(HttpStatusCode.OK, accept.StatusCode);
        var stored = (await UploadAsync(officer, TestPhotos.PhoneJpeg(seed: 104))).GetProperty("id").GetString();
        foreach (var (evidence, says) in new[]
                 {
                     ($"photo:before:{new string('0', 64)}", "upload it first"),
                     ($"photo:report:{stored}", "a report's photo comes with the report"),
                     ("photo:before:xyz", "not a photo id"),
                     ($"photo:before:{stored}:private", "':public' only"),
                 })
        {
            using var refused = await ActAsync(officer, id, "StartHandling", evidence);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(says, (await JsonOf(refused)).GetProperty("detail").GetString());
        }
        using var taken = await ActAsync(officer, id, "StartHandling", "https://example.org/scene.jpg", $"photo:before:{stored}");
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        var last = (await JsonOf(taken)).GetProperty("timeline").EnumerateArray().Last();
        Assert.Equal(["https://example.org/scene.jpg", $"photo:before:{stored}"], last.GetProperty("evidence").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task StaffReport_WithItsPhoto_SeenByTheCommandCenter()
    {
        var officer = await silo.AsAsync("Officer", (await silo.StaffAsync(Grid)).A);
        var photo = (await UploadAsync(officer, TestPhotos.PhoneJpeg(seed: 105))).GetProperty("id").GetString();
        using var unknown = await officer.PostAsync("/api/cases", JsonBody($$"""{"matter":"parking","lon":120.65,"lat":28.0,"photo":"{{new string('1', 64)}}"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        using var opened = await officer.PostAsync("/api/cases", JsonBody($$"""{"matter":"parking","lon":120.65,"lat":28.0,"photo":"{{photo}}"}"""));
        Assert.Equal(HttpStatusCode.Created, opened.StatusCode);
        var id = (await JsonOf(opened)).GetProperty("caseId").GetString();
        using var listed = await silo.Dispatcher.GetAsync($"/api/cases/{id}/photos");
        var only = Assert.Single((await JsonOf(listed)).EnumerateArray());
        Assert.Equal(("report", photo, false), (only.GetProperty("stage").GetString(), only.GetProperty("id").GetString(), only.GetProperty("public").GetBoolean()));
    }

    private async Task<HttpResponseMessage> PostOpen311Async(string channel, byte[]? media, params (string Name, string Value)[] extra)
    {
        var key = await silo.Factory.IssueAsync("Reporter", channel);
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in new[] { ("api_key", key), ("service_code", "shopfront"), ("lat", "28.0"), ("long", "120.65"), ("description", "门口堆物") }.Concat(extra))
            form.Add(new StringContent(value), name);
        if (media is not null) form.Add(new ByteArrayContent(media) { Headers = { ContentType = new MediaTypeHeaderValue("image/jpeg") } }, "media", "photo.jpg");
        return await silo.Client.PostAsync("/open311/v2/requests.json", form);
    }

    [Fact]
    public async Task Open311_ReportWithAPhotoFile_ItsMediaUrlServesTheCleanPhoto_ToEveryoneOnlyWhenPublic()
    {
        using var posted = await PostOpen311Async($"app-{Guid.NewGuid():N}"[..16], TestPhotos.PhoneJpeg(seed: 106));
        Assert.True(HttpStatusCode.Created == posted.StatusCode, await posted.Content.ReadAsStringAsync());
        var answer = (await JsonOf(posted))[0];
        var id = answer.GetProperty("service_request_id").GetString()!;
        var url = answer.GetProperty("media_url").GetString()!;
        Assert.Matches($"^http://localhost/open311/v2/requests/{id}/media/[0-9a-f]{{64}}\\.jpg$", url);

        using (var image = await silo.Client.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/jpeg", image.Content.Headers.ContentType?.MediaType);
            using var served = new MagickImage(await image.Content.ReadAsByteArrayAsync());
            Assert.Null(served.GetExifProfile());   // where the citizen stood is not published
        }
        using (var read = await silo.Client.GetAsync($"/open311/v2/requests/{id}.json"))
            Assert.Equal(url, (await JsonOf(read))[0].GetProperty("media_url").GetString());
        using (var xml = await silo.Client.GetAsync($"/open311/v2/requests/{id}.xml"))
            Assert.Contains($"<media_url>{url}</media_url>", await xml.Content.ReadAsStringAsync());
        using (var staff = await silo.Dispatcher.GetAsync($"/api/cases/{id}/photos"))
            Assert.Equal(120.65, Assert.Single((await JsonOf(staff)).EnumerateArray()).GetProperty("lon").GetDouble(), 9);   // staff keep where it was taken
        using (var otherMedia = await silo.Client.GetAsync(url.Replace(url[^68..^4], new string('b', 64), StringComparison.Ordinal)))
            Assert.Equal(HttpStatusCode.NotFound, otherMedia.StatusCode);

        // The reporter asked to stay private: the photo is the command center's only.
        using var privately = await PostOpen311Async($"app-{Guid.NewGuid():N}"[..16], TestPhotos.PhoneJpeg(seed: 107), ("public", "false"));
        var hidden = (await JsonOf(privately))[0];
        Assert.Equal(JsonValueKind.Null, hidden.GetProperty("media_url").ValueKind);
        var hiddenId = hidden.GetProperty("service_request_id").GetString()!;
        using (var staff = await silo.Dispatcher.GetAsync($"/api/cases/{hiddenId}/photos"))
        {
            var photo = Assert.Single((await JsonOf(staff)).EnumerateArray()).GetProperty("id").GetString();
            using var refused = await silo.Client.GetAsync($"/open311/v2/requests/{hiddenId}/media/{photo}.jpg");
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }
    }

    [Fact]
    public async Task Open311_BadPhoto_ClearError_NoCaseOpened()
    {
        async Task<int> ShopfrontCasesAsync()
        {
            using var search = await silo.Dispatcher.GetAsync("/api/cases?matter=shopfront&limit=1000");
            return (await JsonOf(search)).GetArrayLength();
        }
        var before = await ShopfrontCasesAsync();
        foreach (var (media, extra, status, says) in new (byte[] Media, (string, string)[] Extra, HttpStatusCode Status, string Says)[]
                 {
                     (Encoding.UTF8.GetBytes("GIF89a not really"), [], HttpStatusCode.UnsupportedMediaType, "JPEG, PNG, HEIC/HEIF, AVIF or WebP"),
                     (TestPhotos.NoisyJpeg()[..50_000], [], HttpStatusCode.UnprocessableEntity, "cut off"),
                     (TestPhotos.PhoneJpeg(seed: 108), [("media_url", "https://example.org/a.jpg")], HttpStatusCode.BadRequest, "not both"),
                     (new byte[3 * 1024 * 1024], [], HttpStatusCode.RequestEntityTooLarge, "MiB"),
                 })
        {
            var channel = $"app-{Guid.NewGuid():N}"[..16];
            using var posted = await PostOpen311Async(channel, media, extra);
            var body = await posted.Content.ReadAsStringAsync();
            Assert.True(status == posted.StatusCode, body);
            Assert.Contains(says, body);
        }
        // A second file, or a file in another field, is refused.
        var key = await silo.Factory.IssueAsync("Reporter", $"app-{Guid.NewGuid():N}"[..16]);
        var form = new MultipartFormDataContent { { new StringContent(key), "api_key" }, { new StringContent("shopfront"), "service_code" },
            { new StringContent("28.0"), "lat" }, { new StringContent("120.65"), "long" }, { new ByteArrayContent(TestPhotos.PhoneJpeg()), "attachment", "a.jpg" } };
        using var wrongField = await silo.Client.PostAsync("/open311/v2/requests.json", form);
        Assert.Equal(HttpStatusCode.BadRequest, wrongField.StatusCode);
        Assert.Contains("'media'", await wrongField.Content.ReadAsStringAsync());
        Assert.Equal(before, await ShopfrontCasesAsync());
    }
}
