using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using GridServer.Domain.Geo;
using Xunit.Abstractions;
using static GridServer.Tests.Geo.GeoReference;

namespace GridServer.Tests.Geo;

public class ChineseOffsetsTests(ITestOutputHelper output)
{
    // Mainland China and Hainan, kept 0.05° inside the GCJ-02 box (at its edge the forward formula jumps).
    private const double MinLon = 73.0, MaxLon = 135.0, MinLat = 18.0, MaxLat = 53.5;

    private static readonly Arbitrary<(double Lon, double Lat)> InChina =
        (from lon in Uniform(MinLon, MaxLon)
         from lat in Uniform(MinLat, MaxLat)
         select (lon, lat)).ToArbitrary();

    private static double RoundTripError(
        Func<double, double, (double Lon, double Lat)> there,
        Func<double, double, (double Lon, double Lat)> back,
        double lon, double lat)
    {
        var (x, y) = there(lon, lat);
        var (rLon, rLat) = back(x, y);
        return Metres(lon, lat, rLon, rLat);
    }

    [Property(MaxTest = 500)]
    public Property Gcj02_WgsToGcjToWgs_RoundTripsWithinStatedAccuracy() =>
        Prop.ForAll(InChina, p => RoundTripError(ChineseOffsets.Wgs84ToGcj02, ChineseOffsets.Gcj02ToWgs84, p.Lon, p.Lat)
            < ChineseOffsets.RoundTripAccuracyMetres);

    [Property(MaxTest = 500)]
    public Property Gcj02_GcjToWgsToGcj_RoundTripsWithinStatedAccuracy() =>
        Prop.ForAll(InChina, p => RoundTripError(ChineseOffsets.Gcj02ToWgs84, ChineseOffsets.Wgs84ToGcj02, p.Lon, p.Lat)
            < ChineseOffsets.RoundTripAccuracyMetres);

    [Property(MaxTest = 500)]
    public Property Bd09_GcjToBdToGcj_RoundTripsWithinStatedAccuracy() =>
        Prop.ForAll(InChina, p => RoundTripError(ChineseOffsets.Gcj02ToBd09, ChineseOffsets.Bd09ToGcj02, p.Lon, p.Lat)
            < ChineseOffsets.RoundTripAccuracyMetres);

    [Property(MaxTest = 500)]
    public Property Bd09_BdToGcjToBd_RoundTripsWithinStatedAccuracy() =>
        Prop.ForAll(InChina, p => RoundTripError(ChineseOffsets.Bd09ToGcj02, ChineseOffsets.Gcj02ToBd09, p.Lon, p.Lat)
            < ChineseOffsets.RoundTripAccuracyMetres);

    [Property(MaxTest = 500)]
    public Property Bd09_WgsToBdToWgs_RoundTripsWithinStatedAccuracy() =>
        Prop.ForAll(InChina, p => RoundTripError(ChineseOffsets.Wgs84ToBd09, ChineseOffsets.Bd09ToWgs84, p.Lon, p.Lat)
            < ChineseOffsets.RoundTripAccuracyMetres);

    /// <summary>The measurement behind the accuracy stated in <see cref="ChineseOffsets"/>' remarks.</summary>
    [Fact]
    public void RoundTrips_ManyRandomPointsInChina_StayBelowStatedAccuracy()
    {
        (string Name, Func<double, double, (double, double)> There, Func<double, double, (double, double)> Back)[] trips =
        [
            ("WGS84->GCJ-02->WGS84", ChineseOffsets.Wgs84ToGcj02, ChineseOffsets.Gcj02ToWgs84),
            ("GCJ-02->WGS84->GCJ-02", ChineseOffsets.Gcj02ToWgs84, ChineseOffsets.Wgs84ToGcj02),
            ("GCJ-02->BD-09->GCJ-02", ChineseOffsets.Gcj02ToBd09, ChineseOffsets.Bd09ToGcj02),
            ("BD-09->GCJ-02->BD-09", ChineseOffsets.Bd09ToGcj02, ChineseOffsets.Gcj02ToBd09),
            ("WGS84->BD-09->WGS84", ChineseOffsets.Wgs84ToBd09, ChineseOffsets.Bd09ToWgs84),
            ("BD-09->WGS84->BD-09", ChineseOffsets.Bd09ToWgs84, ChineseOffsets.Wgs84ToBd09),
        ];
        const int points = 200_000;
        var random = new Random(20261128);
        var worst = new double[trips.Length];
        for (var i = 0; i < points; i++)
        {
            var lon = MinLon + (MaxLon - MinLon) * random.NextDouble();
            var lat = MinLat + (MaxLat - MinLat) * random.NextDouble();
            for (var t = 0; t < trips.Length; t++)
                worst[t] = Math.Max(worst[t], RoundTripError(trips[t].There, trips[t].Back, lon, lat));
        }
        for (var t = 0; t < trips.Length; t++)
            output.WriteLine($"{trips[t].Name}: max round-trip error {worst[t] * 1000:F6} mm over {points} points");
        Assert.All(worst, w => Assert.True(w < ChineseOffsets.RoundTripAccuracyMetres, $"{w * 1000} mm"));
    }

    [Fact]
    public void Inverses_ManyRandomPointsInChina_ConvergeInFewSteps()
    {
        var random = new Random(3000);
        int worstGcj = 0, worstBd = 0;
        for (var i = 0; i < 50_000; i++)
        {
            var lon = MinLon + (MaxLon - MinLon) * random.NextDouble();
            var lat = MinLat + (MaxLat - MinLat) * random.NextDouble();
            ChineseOffsets.Invert(ChineseOffsets.Wgs84ToGcj02, lon, lat, out var gcjSteps);
            ChineseOffsets.Invert(ChineseOffsets.Gcj02ToBd09, lon, lat, out var bdSteps);
            worstGcj = Math.Max(worstGcj, gcjSteps);
            worstBd = Math.Max(worstBd, bdSteps);
        }
        output.WriteLine($"most correction steps: GCJ-02 inverse {worstGcj}, BD-09 inverse {worstBd}");
        Assert.InRange(worstGcj, 1, 10);
        Assert.InRange(worstBd, 1, 10);
    }

    [Fact]
    public void Wgs84ToGcj02_InWenzhou_ShiftsByAFewHundredMetres()
    {
        const double lon = 120.6994, lat = 27.9943; // Wenzhou city centre
        var (gLon, gLat) = ChineseOffsets.Wgs84ToGcj02(lon, lat);
        var shift = Metres(lon, lat, gLon, gLat);
        output.WriteLine($"GCJ-02 shift in Wenzhou: {shift:F1} m (dLon {gLon - lon:F6}°, dLat {gLat - lat:F6}°)");
        Assert.InRange(shift, 100, 700);
    }

    [Theory]
    [InlineData(2.3522, 48.8566)]    // Paris
    [InlineData(139.6917, 35.6895)]  // Tokyo, east of the box
    [InlineData(-74.0060, 40.7128)]  // New York
    [InlineData(151.2093, -33.8688)] // Sydney
    [InlineData(37.6173, 55.7558)]   // Moscow, west of the box
    public void Gcj02_OutsideChina_IsIdentity(double lon, double lat)
    {
        Assert.True(ChineseOffsets.IsOutsideChina(lon, lat));
        Assert.Equal((lon, lat), ChineseOffsets.Wgs84ToGcj02(lon, lat));
        Assert.Equal((lon, lat), ChineseOffsets.Gcj02ToWgs84(lon, lat));
    }

    [Property(MaxTest = 500)]
    public Property Gcj02ToBd09_AnywhereInChina_ShiftsByAbout0_0065East0_006North() =>
        Prop.ForAll(InChina, p =>
        {
            var (bLon, bLat) = ChineseOffsets.Gcj02ToBd09(p.Lon, p.Lat);
            // The rotation and scaling wobble adds at most 0.00002° · r + 0.000003 · r ≈ 0.0004° at r ≈ 140°.
            return Math.Abs(bLon - p.Lon - 0.0065) < 0.0005 && Math.Abs(bLat - p.Lat - 0.006) < 0.0005;
        });

    [Fact]
    public void Inverses_NotFinite_GiveNaN()
    {
        var (lon, lat) = ChineseOffsets.Gcj02ToWgs84(double.NaN, 30);
        Assert.True(double.IsNaN(lon) && double.IsNaN(lat));
        (lon, lat) = ChineseOffsets.Bd09ToGcj02(120, double.PositiveInfinity);
        Assert.True(double.IsNaN(lon) && double.IsNaN(lat));
    }
}
