// GCJ-02, the offset Chinese web maps (AMap, Tencent) draw their streets in: the published formula, the same as the
// server's ChineseOffsets (grains/Domain/Geo/ChineseOffsets.cs), so that a point shifted here and a tile shifted there
// land on the same spot. The inverse iterates the forward formula until it reproduces the input within 1e-9°.
// All coordinates are [lon, lat] in degrees.

const A = 6378245.0;
const E2 = 0.00669342162296594323;

export function outsideChina(lon, lat) {
  return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function latitudeSeries(x, y) {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
  r += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
  r += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320.0 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
  return r;
}

function longitudeSeries(x, y) {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
  r += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
  r += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
  return r;
}

export function wgs84ToGcj02(lon, lat) {
  if (outsideChina(lon, lat)) return [lon, lat];
  const x = lon - 105.0;
  const y = lat - 35.0;
  const north = latitudeSeries(x, y);
  const east = longitudeSeries(x, y);
  const phi = lat * Math.PI / 180.0;
  const sin = Math.sin(phi);
  const w = 1.0 - E2 * sin * sin;
  const sqrtW = Math.sqrt(w);
  const meridional = A * (1.0 - E2) / (w * sqrtW);
  const parallel = A / sqrtW * Math.cos(phi);
  return [lon + east * 180.0 / (parallel * Math.PI), lat + north * 180.0 / (meridional * Math.PI)];
}

export function gcj02ToWgs84(lon, lat) {
  if (outsideChina(lon, lat)) return [lon, lat];
  let x = lon, y = lat;
  for (let i = 0; i < 30; i++) {
    const [fx, fy] = wgs84ToGcj02(x, y);
    const dx = fx - lon, dy = fy - lat;
    if (Math.abs(dx) < 1e-9 && Math.abs(dy) < 1e-9) break;
    x -= dx;
    y -= dy;
  }
  return [x, y];
}
