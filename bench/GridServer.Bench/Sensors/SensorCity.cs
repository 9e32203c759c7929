using System.Globalization;
using System.Text;
using GridServer.Bench.Cases;
using GridServer.Domain.Grids;

namespace GridServer.Bench.Sensors;

/// <summary>
/// The sensor city of the <c>sensors</c> benchmark, made from a seed: parking bays at random points in the sample
/// grids (a share of them no-parking bays), construction sites (squares of about 120 m around points in the grids)
/// with their dust monitors, what every sensor reads in every round, and the gateways that send those readings.
/// </summary>
/// <remarks>
/// Bays: an ordinary bay is occupied about two thirds of the time and changes about every 50 rounds; a no-parking bay
/// is free but for a vehicle now and then (0.5 % a round), which stays about 20 rounds. Dust (the module judges the
/// one-hour average against limits of 150 µg/m³ PM10 and 75 PM2.5, its defaults; every round of a run lies within one
/// hour): a clean site reads about 60 and 30; a dusty one about 190 and 90; one that cleans up reads 30 and 15 from
/// then on, so its average falls back under within a few rounds; one that starts a dust storm later reads 400 and 200,
/// so its average goes over despite the clean readings before.
/// </remarks>
internal sealed class SensorCity
{
    /// <summary>One sensor: a bay's (its id is the bay's key) or a dust monitor (its site's index).</summary>
    private sealed record Sensor(string Id, double Lon, double Lat, int Site, TimeSpan Offset);

    private readonly Sensor[] _sensors;
    private readonly bool[][] _occupied;      // [round][bay]
    private readonly int[] _siteOver;         // per site: the first round it reads dusty (int.MaxValue: never)
    private readonly int[] _siteUnder;        // per site: the first round it reads clean again (int.MaxValue: never)
    private readonly int _seed;

    private SensorCity(Sensor[] sensors, bool[][] occupied, int[] siteOver, int[] siteUnder, int seed, string baysCsv, string sitesGeoJson,
        int noParkingBays, int sites, int dustyAtStart, int dustyLater, int cleaned)
    {
        (_sensors, _occupied, _siteOver, _siteUnder, _seed) = (sensors, occupied, siteOver, siteUnder, seed);
        (BaysCsv, SitesGeoJson, NoParkingBays, Sites, DustyAtStart, DustyLater, Cleaned) = (baysCsv, sitesGeoJson, noParkingBays, sites, dustyAtStart, dustyLater, cleaned);
    }

    /// <summary>The bays as CSV for <c>PUT /api/reference/bays</c>: key, street, no_parking, max_minutes, lon, lat.</summary>
    public string BaysCsv { get; }

    /// <summary>The sites as a GeoJSON FeatureCollection for <c>PUT /api/reference/sites</c>.</summary>
    public string SitesGeoJson { get; }

    public int NoParkingBays { get; }

    public int Sites { get; }

    /// <summary>Sites dusty from the first round; of those, cleaned up a third into the timed rounds; dusty from half-way through them.</summary>
    public int DustyAtStart { get; }

    public int DustyLater { get; }

    public int Cleaned { get; }

    public int SensorCount => _sensors.Length;

    public static SensorCity Create(IReadOnlyList<Grid> grids, SensorBenchOptions o)
    {
        var rounds = o.WarmupRounds + o.Rounds;
        var sites = o.Monitors == 0 ? 0 : (o.Monitors + o.MonitorsPerSite - 1) / o.MonitorsPerSite;
        var (bx, by, _) = CaseBench.ReportPoints(grids, o.Bays, o.Seed);
        var (sx, sy, _) = CaseBench.ReportPoints(grids, sites, o.Seed + 7919);
        var random = new Random(o.Seed);

        var sensors = new List<Sensor>(o.Bays + o.Monitors);
        var noParking = new bool[o.Bays];
        var csv = new StringBuilder("key,street,no_parking,max_minutes,lon,lat\n");
        var noParkingBays = 0;
        for (var b = 0; b < o.Bays; b++)
        {
            noParking[b] = random.NextDouble() < o.NoParkingShare;
            if (noParking[b]) noParkingBays++;
            var key = string.Create(CultureInfo.InvariantCulture, $"BAY-{b:D6}");
            csv.Append(CultureInfo.InvariantCulture, $"{key},bench street {b / 100:D3},{(noParking[b] ? "true" : "false")},{(noParking[b] ? o.NoParkingMinutes.ToString(CultureInfo.InvariantCulture) : "")},{bx[b]:R},{by[b]:R}\n");
            sensors.Add(new Sensor(key, bx[b], by[b], -1, Offset(random, o.RoundStep)));
        }

        // Sites: squares of ±60 m (in degrees at this latitude) around their points; monitors within ±20 m of the middle.
        var geo = new StringBuilder("""{"type":"FeatureCollection","features":[""");
        for (var s = 0; s < sites; s++)
        {
            var (dLat, dLon) = (60 / 111_320.0, 60 / (111_320.0 * Math.Cos(sy[s] * Math.PI / 180)));
            if (s > 0) geo.Append(',');
            geo.Append(CultureInfo.InvariantCulture,
                $$$"""{"type":"Feature","properties":{"key":"SITE-{{{s:D4}}}","name":"bench site {{{s:D4}}}","operator":"bench builder {{{s % 17:D2}}}","contact":"139{{{s:D8}}}"},""");
            geo.Append(CultureInfo.InvariantCulture,
                $$$"""
                "geometry":{"type":"Polygon","coordinates":[[[{{{sx[s] - dLon:R}}},{{{sy[s] - dLat:R}}}],[{{{sx[s] + dLon:R}}},{{{sy[s] - dLat:R}}}],[{{{sx[s] + dLon:R}}},{{{sy[s] + dLat:R}}}],[{{{sx[s] - dLon:R}}},{{{sy[s] + dLat:R}}}],[{{{sx[s] - dLon:R}}},{{{sy[s] - dLat:R}}}]]]}}
                """);
            for (var m = s * o.MonitorsPerSite; m < Math.Min(o.Monitors, (s + 1) * o.MonitorsPerSite); m++)
            {
                var lon = sx[s] + (random.NextDouble() - 0.5) * dLon * 2 / 3;
                var lat = sy[s] + (random.NextDouble() - 0.5) * dLat * 2 / 3;
                sensors.Add(new Sensor(string.Create(CultureInfo.InvariantCulture, $"DM-{m:D5}"), lon, lat, s, Offset(random, o.RoundStep)));
            }
        }
        geo.Append("]}");

        // Which sites are dusty when: a random order of the sites, the first share dusty from the start (every other one of
        // them cleaned up a third into the timed rounds), the next half share dusty from half-way through them.
        var order = Enumerable.Range(0, sites).OrderBy(_ => random.Next()).ToArray();
        var (siteOver, siteUnder) = (Enumerable.Repeat(int.MaxValue, sites).ToArray(), Enumerable.Repeat(int.MaxValue, sites).ToArray());
        var dustyAtStart = (int)Math.Round(o.DustyShare * sites);
        var dustyLater = Math.Min(sites - dustyAtStart, (int)Math.Round(o.DustyShare * sites / 2));
        var cleaned = 0;
        for (var i = 0; i < dustyAtStart; i++)
        {
            siteOver[order[i]] = 0;
            if (i % 2 == 0)
            {
                siteUnder[order[i]] = o.WarmupRounds + o.Rounds / 3;
                cleaned++;
            }
        }
        for (var i = dustyAtStart; i < dustyAtStart + dustyLater; i++) siteOver[order[i]] = o.WarmupRounds + o.Rounds / 2;

        // Occupancy of every bay in every round, drawn once so that every storage gets the same.
        var occupied = new bool[rounds][];
        for (var r = 0; r < rounds; r++)
        {
            occupied[r] = new bool[o.Bays];
            for (var b = 0; b < o.Bays; b++)
            {
                var was = r == 0 ? random.NextDouble() < (noParking[b] ? 0.02 : 0.67) : occupied[r - 1][b];
                var change = random.NextDouble();
                occupied[r][b] = noParking[b]
                    ? (was ? change >= 0.05 : change < 0.005)
                    : (was ? change >= 0.01 : change < 0.02);
            }
        }

        // Gateways own areas: the sensors in order of longitude, so a site's monitors go through one gateway.
        var ordered = sensors.OrderBy(s => s.Lon).ThenBy(s => s.Id, StringComparer.Ordinal).ToArray();
        return new SensorCity(ordered, occupied, siteOver, siteUnder, o.Seed, csv.ToString(), geo.ToString(), noParkingBays, sites, dustyAtStart, dustyLater, cleaned);

        // A sensor's own moment within a round, so that two monitors of a site never read at the same time.
        static TimeSpan Offset(Random random, TimeSpan step) => TimeSpan.FromMilliseconds(Math.Floor(random.NextDouble() * step.TotalMilliseconds / 2));
    }

    /// <summary>How many batches each gateway sends per round: the sensors split evenly into gateways × this many batches of at most the batch size.</summary>
    public int BatchesPerGateway(SensorBenchOptions o) => (int)Math.Ceiling(_sensors.Length / (double)(o.Gateways * o.BatchSize));

    /// <summary>
    /// The bodies of <c>POST /api/sensors/readings</c>, built before they are sent so that making them is not measured:
    /// [gateway][round × batches per gateway + batch] (a gateway sends its batches in that order), and the readings each
    /// holds. Round r's readings are taken at <paramref name="start"/> + r × the round step (+ each sensor's own moment).
    /// </summary>
    public (byte[][][] Bodies, int[][] Readings) Batches(SensorBenchOptions o, int firstRound, int rounds, DateTimeOffset start)
    {
        var perGateway = BatchesPerGateway(o);
        var all = o.Gateways * perGateway;
        var bodies = new byte[o.Gateways][][];
        var readings = new int[o.Gateways][];
        var text = new StringBuilder();
        for (var g = 0; g < o.Gateways; g++)
        {
            bodies[g] = new byte[rounds * perGateway][];
            readings[g] = new int[rounds * perGateway];
            for (var r = 0; r < rounds; r++)
            {
                var round = firstRound + r;
                var random = new Random(HashCode.Combine(_seed, round, g));
                for (var k = 0; k < perGateway; k++)
                {
                    var batch = g * perGateway + k;
                    var (from, to) = ((int)((long)batch * _sensors.Length / all), (int)((long)(batch + 1) * _sensors.Length / all));
                    text.Clear().Append("""{"readings":[""");
                    for (var i = from; i < to; i++)
                    {
                        if (i > from) text.Append(',');
                        Reading(text, _sensors[i], round, start + o.RoundStep * round, random);
                    }
                    text.Append("]}");
                    bodies[g][r * perGateway + k] = Encoding.UTF8.GetBytes(text.ToString());
                    readings[g][r * perGateway + k] = to - from;
                }
            }
        }
        return (bodies, readings);
    }

    private void Reading(StringBuilder text, Sensor sensor, int round, DateTimeOffset roundAt, Random random)
    {
        var at = (roundAt + sensor.Offset).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        if (sensor.Site < 0)
        {
            var bay = int.Parse(sensor.Id.AsSpan(4), CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture,
                $$$"""{"sensorId":"{{{sensor.Id}}}","kind":"bay","lon":{{{sensor.Lon:R}}},"lat":{{{sensor.Lat:R}}},"at":"{{{at}}}","values":{"occupied":{{{(_occupied[round][bay] ? 1 : 0)}}}}}""");
            return;
        }
        var (site, spread) = (sensor.Site, random.NextDouble() - 0.5);
        var (pm10, pm25) = round >= _siteUnder[site] ? (30 + 20 * spread, 15 + 10 * spread)
            : round < _siteOver[site] ? (60 + 50 * spread, 30 + 24 * spread)
            : _siteOver[site] > 0 ? (400 + 100 * spread, 200 + 50 * spread)
            : (190 + 50 * spread, 90 + 24 * spread);
        text.Append(CultureInfo.InvariantCulture,
            $$$"""{"sensorId":"{{{sensor.Id}}}","kind":"dust","lon":{{{sensor.Lon:R}}},"lat":{{{sensor.Lat:R}}},"at":"{{{at}}}","values":{"pm10_ugm3":{{{pm10:0.0}}},"pm25_ugm3":{{{pm25:0.0}}}}}""");
    }
}
