// The grid layer: every grid of the district as vector tiles from /api/tiles/grids (cut by the server from its
// in-memory index), filled by street, community, squad or open-case count, outlined, and highlighted on focus.
import { getMapCrs } from '../geo/display.js';

export const SOURCE = 'grids';
export const FILL = 'grid-fill';
export const LINE = 'grid-line';
export const FOCUS = 'grid-focus';

const PALETTE = ['#8dd3c7', '#ffffb3', '#bebada', '#fb8072', '#80b1d3', '#fdb462', '#b3de69', '#fccde5', '#bc80bd', '#ccebc5', '#ffed6f', '#d9d9d9'];

export function tileUrl(revision) {
  return `${location.origin}/api/tiles/grids/{z}/{x}/{y}?v=${revision}&crs=${getMapCrs()}`;
}

export function addGridLayers(map, revision) {
  map.addSource(SOURCE, { type: 'vector', tiles: [tileUrl(revision)], minzoom: 0, maxzoom: 16, promoteId: { grids: 'code' } });
  // Below zoom 14 the fill's own 1-pixel outline draws the borders: a line layer over 50,000 grids would triangulate
  // and draw every border as a wide line for borders a pixel long. From 14 on, real lines, thicker as grids grow.
  map.addLayer({ id: FILL, type: 'fill', source: SOURCE, 'source-layer': 'grids',
    paint: { 'fill-color': fillColour('street'), 'fill-opacity': 0.55, 'fill-outline-color': '#5a6b80' } });
  map.addLayer({
    id: LINE, type: 'line', source: SOURCE, 'source-layer': 'grids', minzoom: 14,
    paint: { 'line-color': '#44546a', 'line-width': ['interpolate', ['linear'], ['zoom'], 14, 0.8, 17, 1.5], 'line-opacity': 0.8 },
  });
  map.addLayer({
    id: FOCUS, type: 'line', source: SOURCE, 'source-layer': 'grids', minzoom: 12,
    paint: {
      'line-color': ['case', ['boolean', ['feature-state', 'focus'], false], '#d7191c', '#1f78b4'],
      'line-width': ['case', ['boolean', ['feature-state', 'focus'], false], 3, ['boolean', ['feature-state', 'selected'], false], 2.5, 0],
    },
  });
}

/** The fill colour for a colouring mode: street, community (from the tile), squad or cases (from feature state). */
export function fillColour(mode) {
  const selected = ['boolean', ['feature-state', 'selected'], false];
  const byIndex = prop => ['to-color', ['at', ['%', ['get', prop], PALETTE.length], ['literal', PALETTE]]];
  let base;
  if (mode === 'community') base = byIndex('community_idx');
  else if (mode === 'squad') base = ['case', ['>=', ['coalesce', ['feature-state', 'squadIdx'], -1], 0],
    ['to-color', ['at', ['%', ['coalesce', ['feature-state', 'squadIdx'], 0], PALETTE.length], ['literal', PALETTE]]], '#f0f0f0'];
  // Evaluation's score (0-100) of each grid, from feature state; a grid without one (nothing due) grey.
  else if (mode === 'score') base = ['case', ['<', ['coalesce', ['feature-state', 'score'], -1], 0], '#e0e0e0',
    ['interpolate', ['linear'], ['feature-state', 'score'], 0, '#d7191c', 60, '#fdae61', 80, '#ffffbf', 100, '#1a9641']];
  else if (mode === 'cases') base = ['interpolate', ['linear'], ['coalesce', ['feature-state', 'openCases'], 0], 0, '#f7fbff', 1, '#fdd49e', 3, '#fc8d59', 10, '#b30000'];
  else base = byIndex('street_idx');
  // An officer's own grids (their A or B post), marked while their case list is shown.
  const mine = ['boolean', ['feature-state', 'mine'], false];
  return ['case', selected, '#2b83ba', mine, '#41ab5d', base];
}

export function setColouring(map, mode) {
  map.setPaintProperty(FILL, 'fill-color', fillColour(mode));
}

/** Points the source at a new revision's tiles (after a redraw): the URL changes, so no stale tile is reused. */
export function reloadGrids(map, revision) {
  map.getSource(SOURCE)?.setTiles([tileUrl(revision)]);
}

export function setGridState(map, code, state) {
  map.setFeatureState({ source: SOURCE, sourceLayer: 'grids', id: code }, state);
}
