// Splitting a grid: draw a line across it (click point by point, double-click to end); the two parts get new codes;
// preview (dryRun) then split. The parts take the old grid's people; its open cases move to the part they fall in.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { flyToBbox, focusGrid, getMap, refreshGrids } from '../mapview.js';
import { geoFromMap, geoToMap } from '../geo/display.js';
import { splitRing } from '../geo/split.js';
import { clearOverlay, showOverlay } from '../layers/overlays.js';
import { bboxOf } from './card.js';
import { clearImpact, paintSwatches, showImpact, showRefusal } from './impact.js';

const LINE = 'split-line';

export async function render(panel, code) {
  const map = getMap();
  const feature = await api(`/api/grids/${encodeURIComponent(code)}`);
  flyToBbox(bboxOf(feature.geometry), 18);
  focusGrid(code);
  const shown = geoToMap(feature.geometry);
  const ring = shown.type === 'Polygon' ? shown.coordinates[0] : shown.coordinates[0][0];
  let line = [];
  let parts = null;
  const result = h('div', { id: 'result' });
  const status = h('p', { class: 'hint', id: 'split-status' });
  const codeA = h('input', { id: 'split-a', value: `${code.slice(0, -2)}${String(nextSeq(code, 1)).padStart(2, '0')}` });
  const codeB = h('input', { id: 'split-b', value: `${code.slice(0, -2)}${String(nextSeq(code, 2)).padStart(2, '0')}` });
  const draw = () => {
    const features = [];
    if (line.length) features.push({ type: 'Feature', geometry: line.length > 1 ? { type: 'LineString', coordinates: line } : { type: 'Point', coordinates: line[0] }, properties: { colour: '#d7191c' } });
    (parts ?? []).forEach((r, i) => features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [r] }, properties: { colour: i ? '#2b83ba' : '#fdae61' } }));
    showOverlay(map, LINE, { type: 'FeatureCollection', features }, { fillOpacity: 0.35 });
  };
  const onClick = (e) => {
    if (parts) return;
    line.push([e.lngLat.lng, e.lngLat.lat]);
    draw();
  };
  const onDouble = (e) => {
    e.preventDefault();
    parts = splitRing(ring, line);
    status.textContent = parts ? '' : t('split.lineBad');
    if (!parts) line = [];
    draw();
  };
  map.on('click', onClick);
  map.on('dblclick', onDouble);
  const collection = () => ({ type: 'FeatureCollection', features: parts.map((r, i) => ({ type: 'Feature', properties: { code: (i ? codeB : codeA).value.trim() }, geometry: geoFromMap({ type: 'Polygon', coordinates: [r] }) })) });
  const submit = async (dryRun) => {
    if (!parts) { status.textContent = t('split.lineBad'); return; }
    try {
      const answer = await api(`/api/grids/${encodeURIComponent(code)}/split`, { method: 'POST', query: dryRun ? { dryRun: true } : {}, body: collection() });
      replace(result, showImpact(map, answer));
      paintSwatches(result);
      if (!dryRun) { clearOverlay(map, LINE); await refreshGrids(answer.revision); }
    } catch (err) { replace(result, showRefusal(map, err)); }
  };
  panel.append(h('h2', null, t('split.title', { code })), h('p', { class: 'hint' }, t('split.help')), status,
    h('label', null, t('split.codeA'), codeA), h('label', null, t('split.codeB'), codeB),
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'split-redo', onclick: () => { line = []; parts = null; clearImpact(map); replace(result); draw(); } }, t('split.redrawLine')),
      h('button', { type: 'button', id: 'split-preview', class: 'primary', onclick: () => submit(true) }, t('redraw.preview')),
      h('button', { type: 'button', id: 'split-apply', onclick: () => submit(false) }, t('split.submit')),
      h('a', { href: `#/grids/${encodeURIComponent(code)}`, class: 'button' }, t('redraw.cancel'))), result);
  map.doubleClickZoom.disable();
  return () => { map.off('click', onClick); map.off('dblclick', onDouble); map.doubleClickZoom.enable(); clearOverlay(map, LINE); clearImpact(map); focusGrid(null); };
}

/** A free sequence number after the grid's own (CJ/T 213 codes end in two digits). */
function nextSeq(code, k) {
  const seq = Number(code.slice(-2));
  return Number.isFinite(seq) ? Math.min(99, 90 + k - (seq >= 90 ? 10 : 0)) : k;
}
