// The one map of the console, made once after sign-in and kept while views change beside it.
import * as maplibregl from 'maplibre-gl';
import { api } from './api.js';
import { bboxToMap, fromMap, setMapCrs } from './geo/display.js';
import { addGridLayers, FILL, reloadGrids, setColouring, setGridState } from './layers/grids.js';
import { addLabels } from './layers/labels.js';
import { t } from './i18n.js';

maplibregl.setWorkerUrl(new URL('vendor/maplibre-gl-worker.mjs', document.baseURI).href);

let map = null;
let summary = null;
let focused = null;
const clickHandlers = new Set();

export function getMap() { return map; }
export function getSummary() { return summary; }

/** Makes the map in `container` for the signed-in person; resolves once the grid layer is on it. */
export async function createMap(container, me) {
  summary = await api('/api/grids/summary');
  const basemap = me.console.basemap;
  setMapCrs(basemap?.crs ?? 'wgs84');
  const style = {
    version: 8,
    sources: basemap ? { basemap: { type: 'raster', tiles: basemap.tiles, tileSize: 256, maxzoom: basemap.maxZoom, attribution: basemap.attribution ?? '' } } : {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef1f4' } },
      ...(basemap ? [{ id: 'basemap', type: 'raster', source: 'basemap' }] : [])],
  };
  map = new maplibregl.Map({
    container, style, attributionControl: basemap?.attribution ? {} : false,
    bounds: summary.bbox ? bboxToMap(summary.bbox) : undefined, fitBoundsOptions: { padding: 20 },
    center: summary.bbox ? undefined : [120.65, 28.0], zoom: summary.bbox ? undefined : 12,
    maxZoom: 20, dragRotate: false, pitchWithRotate: false, boxZoom: false, fadeDuration: 0,
    transformRequest: (url) => {
      // Grid tiles need the credential; the basemap's host never gets it.
      if (url.startsWith(`${location.origin}/api/`)) {
        const key = sessionStorage.getItem('gridserver.key');
        return { url, headers: { Authorization: `Bearer ${key}` } };
      }
      return { url };
    },
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  await new Promise(resolve => map.once('load', resolve));
  addGridLayers(map, summary.revision);
  addLabels(map);
  map.on('click', FILL, (e) => {
    const code = e.features?.[0]?.properties?.code;
    if (code) for (const fn of clickHandlers) fn(code, e);
  });
  map.on('mouseenter', FILL, () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', FILL, () => { map.getCanvas().style.cursor = ''; });
  // Where the pointer is, in WGS84 as the API speaks it (over a GCJ-02 basemap: shifted back).
  const cursor = document.getElementById('cursor');
  map.on('mousemove', (e) => {
    const [lon, lat] = fromMap([e.lngLat.lng, e.lngLat.lat]);
    if (cursor) cursor.textContent = `${lon.toFixed(7)}, ${lat.toFixed(7)} (WGS84)`;
  });
  // How many grids are drawn once the map is still: what a test (and a curious person) can read off the page.
  map.on('idle', () => {
    const codes = new Set(map.queryRenderedFeatures({ layers: [FILL] }).map(f => f.properties.code));
    container.dataset.renderedGrids = String(codes.size);
    // When the map last became still (ms since the page began): the benchmark's "complete render".
    container.dataset.idleAt = performance.now().toFixed(1);
  });
  container.dataset.ready = 'true';
  return map;
}

/** Registers a handler for clicks on a grid (code, event); returns the unregister function. */
export function onGridClick(fn) { clickHandlers.add(fn); return () => clickHandlers.delete(fn); }

export function focusGrid(code) {
  if (focused) setGridState(map, focused, { focus: false });
  focused = code;
  if (code) setGridState(map, code, { focus: true });
}

export function flyToBbox(bbox, maxZoom = 17) {
  map.fitBounds(bboxToMap(bbox), { padding: 60, maxZoom, duration: 0 });
}

/** After a change of grids: newer tiles, and a new summary. */
export async function refreshGrids(revision) {
  summary = await api('/api/grids/summary');
  reloadGrids(map, revision ?? summary.revision);
  document.getElementById('status').textContent = t('map.grids', { count: summary.count });
}

export { setColouring };
