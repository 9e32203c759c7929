// A grid's versions — who changed it and when, the old boundaries drawn dashed over the current one — and the
// district as it stood on a date.
import { api } from '../api.js';
import { h, replace, table } from '../dom.js';
import { formatArea, formatDateTime, t, todayInShanghai } from '../i18n.js';
import { flyToBbox, focusGrid, getMap } from '../mapview.js';
import { fromMap, geoToMap } from '../geo/display.js';
import { clearOverlay, colourFor, showOverlay } from '../layers/overlays.js';
import { FILL, LINE } from '../layers/grids.js';
import { bboxOf } from './card.js';

const OLD = 'history-old';
const ASOF = 'asof';

export async function render(panel, code) {
  const map = getMap();
  const history = await api(`/api/grids/${encodeURIComponent(code)}/history`);
  const versions = history.features;
  focusGrid(code);
  flyToBbox(bboxOf({ coordinates: versions.map(f => f.geometry.coordinates) }), 18);
  const draw = (chosen) => {
    const shown = versions.filter(f => f.properties.valid_to && (chosen === undefined || f.properties.version === chosen))
      .map(f => ({ ...f, properties: { ...f.properties, colour: colourFor(`v${f.properties.version}`) } }));
    showOverlay(map, OLD, geoToMap({ type: 'FeatureCollection', features: shown }), { dashed: true, fillOpacity: 0.12, lineWidth: 2.5 });
  };
  draw();
  panel.append(h('h2', null, t('history.title', { code })),
    table([t('history.version'), t('history.from'), t('history.to'), t('history.by'), t('history.area'), ''],
      versions.slice().reverse().map(f => {
        const p = f.properties;
        return [String(p.version), formatDateTime(p.valid_from), p.valid_to ? formatDateTime(p.valid_to) : t('history.current'), p.changed_by ?? '—', formatArea(p.area_m2),
          p.valid_to ? h('button', { type: 'button', onclick: () => draw(p.version) }, t('history.show')) : ''];
      }), { id: 'history-table' }),
    h('a', { href: `#/grids/${encodeURIComponent(code)}`, class: 'button' }, t('card.close')));
  return () => { clearOverlay(map, OLD); focusGrid(null); };
}

export async function renderAsOf(panel, date) {
  const map = getMap();
  const input = h('input', { type: 'date', id: 'asof-date', value: date ?? todayInShanghai() });
  const status = h('p', { id: 'asof-status' });
  panel.append(h('h2', null, t('asof.title')),
    h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); location.hash = `#/asof/${input.value}`; } },
      h('label', null, t('asof.date'), input), h('button', { type: 'submit', id: 'asof-show' }, t('asof.show'))),
    status, h('a', { href: '#/map', class: 'button', id: 'asof-clear' }, t('asof.clear')));
  if (!date) return;
  const load = async () => {
    const b = map.getBounds();
    const [w, s] = fromMap([b.getWest(), b.getSouth()]);
    const [e, n] = fromMap([b.getEast(), b.getNorth()]);
    // The end of the day in Beijing: the district as it stood when that day ended.
    const asOf = `${date}T23:59:59+08:00`;
    const grids = await api('/api/grids', { query: { asOf, bbox: [w, s, e, n].map(v => v.toFixed(6)).join(',') } });
    const features = grids.features.map(f => ({ ...f, properties: { ...f.properties, colour: colourFor(f.properties.street_code) } }));
    showOverlay(map, ASOF, geoToMap({ type: 'FeatureCollection', features }), { fillOpacity: 0.5, lineWidth: 1 });
    status.textContent = t('asof.count', { date, count: features.length });
  };
  map.setLayoutProperty(FILL, 'visibility', 'none');
  map.setLayoutProperty(LINE, 'visibility', 'none');
  const onMove = () => load().catch(e => { replace(status, h('span', { class: 'error' }, e.message)); });
  map.on('moveend', onMove);
  await onMove();
  return () => {
    map.off('moveend', onMove);
    clearOverlay(map, ASOF);
    map.setLayoutProperty(FILL, 'visibility', 'visible');
    map.setLayoutProperty(LINE, 'visibility', 'visible');
  };
}
