// GeoJSON drawn over the grids: an impact preview's transfers, a file's findings, an old boundary, a lasso, module
// reference data. Each overlay is one source with fill, line and point layers; data is in the map's system already.

const COLOURS = ['#e41a1c', '#377eb8', '#4daf4a', '#984ea3', '#ff7f00', '#a65628', '#f781bf', '#999999'];

export function colourFor(key) {
  let h = 0;
  for (const ch of String(key ?? '')) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return COLOURS[h % COLOURS.length];
}

/** Draws (or replaces) an overlay; features may carry `colour` and `label` properties. */
export function showOverlay(map, id, collection, { dashed = false, fillOpacity = 0.45, lineWidth = 2 } = {}) {
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

export function clearOverlay(map, id) {
  for (const suffix of ['-fill', '-line', '-point']) if (map.getLayer(id + suffix)) map.removeLayer(id + suffix);
  if (map.getSource(id)) map.removeSource(id);
}

export const emptyCollection = () => ({ type: 'FeatureCollection', features: [] });
