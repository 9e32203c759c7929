// The one place where coordinates change system on their way to the screen and back. The API speaks WGS84 lon/lat;
// over a GCJ-02 basemap everything drawn is shifted to GCJ-02 (grid tiles are shifted by the server, asked with
// crs=gcj02), and every point a person picks is shifted back before it reaches the API.
import { gcj02ToWgs84, wgs84ToGcj02 } from './offsets.js';

let mapCrs = 'wgs84';

/** 'wgs84' (also for CGCS2000 basemaps) or 'gcj02': the system the basemap draws its streets in. */
export function setMapCrs(crs) { mapCrs = crs === 'gcj02' ? 'gcj02' : 'wgs84'; }
export function getMapCrs() { return mapCrs; }

/** [lon, lat] WGS84 → the map's system. */
export function toMap(p) { return mapCrs === 'gcj02' ? wgs84ToGcj02(p[0], p[1]) : [p[0], p[1]]; }

/** [lon, lat] in the map's system → WGS84. */
export function fromMap(p) { return mapCrs === 'gcj02' ? gcj02ToWgs84(p[0], p[1]) : [p[0], p[1]]; }

function mapCoordinates(coords, fn) {
  return typeof coords[0] === 'number' ? fn(coords) : coords.map(c => mapCoordinates(c, fn));
}

/** A GeoJSON geometry, Feature or FeatureCollection, WGS84 → the map's system (a copy). */
export function geoToMap(geo) { return transform(geo, toMap); }

/** A GeoJSON geometry, Feature or FeatureCollection in the map's system → WGS84 (a copy). */
export function geoFromMap(geo) { return transform(geo, fromMap); }

function transform(geo, fn) {
  if (!geo) return geo;
  if (geo.type === 'FeatureCollection') return { ...geo, features: geo.features.map(f => transform(f, fn)) };
  if (geo.type === 'Feature') return { ...geo, geometry: transform(geo.geometry, fn) };
  if (geo.type === 'GeometryCollection') return { ...geo, geometries: geo.geometries.map(g => transform(g, fn)) };
  return { ...geo, coordinates: mapCoordinates(geo.coordinates, fn) };
}

/** A bbox [minLon, minLat, maxLon, maxLat] WGS84 → the map's system. */
export function bboxToMap(b) {
  const [x0, y0] = toMap([b[0], b[1]]);
  const [x1, y1] = toMap([b[2], b[3]]);
  return [x0, y0, x1, y1];
}
