// GeoJSON drawn over the grids: an impact preview's transfers, a file's findings, an old boundary, a lasso, module
// reference data. Each overlay is one source with fill, line and point layers; data is in the map's system already.

const COLOURS = ['#e41a1c', '#377eb8', '#4daf4a', '#984ea3', '#ff7f00', '#a65628', '#f781bf', '#999999'];

export function colourFor(key) {
  let h = 0;
  for (const ch of String(key ?? '')) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return COLOURS[h % COLOURS.length];
}

/**
 * Draws (or replaces) an overlay; features may carry `colour` and `label` properties. Once the map has drawn it, the
 * map's element says how many of its features are on screen (`data-drawn-<id>`; features told apart by `fid` when
 * they carry one), for a person's tools and for the tests alike.
 */
export function showOverlay(map, id, collection, { dashed = false, fillOpacity = 0.45, lineWidth = 2 } = {}) {
  countDrawn(map, id);
  const source = map.getSource(id);
  if (source) { source.setData(collection); return; }
  map.addSource(id, { type: 'geojson', data: collection });
  map.addLayer({ id: `${id}-fill`, type: 'fill', source: id, filter: ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]],
    paint: { 'fill-color': ['coalesce', ['get', 'colour'], '#e41a1c'], 'fill-opacity': fillOpacity } });
  map.addLayer({ id: `${id}-line`, type: 'line', source: id, filter: ['!', ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]]],
    paint: { 'line-color': ['coalesce', ['get', 'colour'], '#e41a1c'], 'line-width': lineWidth, ...(dashed ? { 'line-dasharray': [2, 2] } : {}) } });
  map.addLayer({ id: `${id}-point`, type: 'circle', source: id, filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-color': ['coalesce', ['get', 'colour'], '#e41a1c'], 'circle-radius': 5, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } });
}

const counters = new Map();
const attributeOf = id => `drawn${id.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())}`;

/** Keeps `data-drawn-<id>` up to date: recounted each time the map comes to rest while the overlay is on it. */
function countDrawn(map, id) {
  delete map.getContainer().dataset[attributeOf(id)];
  if (counters.has(id)) return;
  const count = () => {
    const layers = ['-fill', '-line', '-point'].map(s => id + s).filter(l => map.getLayer(l));
    const drawn = layers.length ? map.queryRenderedFeatures({ layers }) : [];
    // A feature is drawn by several layers (fill and outline) and may be cut by tiles: counted once by its properties.
    map.getContainer().dataset[attributeOf(id)] = String(new Set(drawn.map(f => f.properties.fid ?? JSON.stringify(f.properties))).size);
  };
  counters.set(id, count);
  map.on('idle', count);
}

export function clearOverlay(map, id) {
  if (counters.has(id)) { map.off('idle', counters.get(id)); counters.delete(id); }
  delete map.getContainer().dataset[attributeOf(id)];
  for (const suffix of ['-fill', '-line', '-point']) if (map.getLayer(id + suffix)) map.removeLayer(id + suffix);
  if (map.getSource(id)) map.removeSource(id);
}

export const emptyCollection = () => ({ type: 'FeatureCollection', features: [] });
