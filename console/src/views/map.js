// The map page: search (grid code or name, street, community), colouring, and a click on a grid opens its card.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { flyToBbox, focusGrid, getMap, onGridClick, setColouring } from '../mapview.js';
import { fromMap, toMap } from '../geo/display.js';
import { SOURCE } from '../layers/grids.js';

let colouring = 'street';
let staffingHandler = null;

/** #/map, or #/map/zoom/lon/lat (WGS84): a view anyone can link to. */
export async function render(panel, [zoom, lon, lat] = []) {
  panel.append(tools());
  focusGrid(null);
  if (zoom !== undefined) getMap().jumpTo({ zoom: Number(zoom), center: toMap([Number(lon), Number(lat)]) });
  return onGridClick(code => { location.hash = `#/grids/${encodeURIComponent(code)}`; });
}

/** Search and colouring, shared by the map page and the grid card. */
export function tools() {
  const results = h('div', { id: 'search-results', class: 'results' });
  let timer = null;
  const input = h('input', { type: 'search', id: 'search', placeholder: t('map.search'), autocomplete: 'off',
    oninput: () => { clearTimeout(timer); timer = setTimeout(() => search(input.value, results), 250); } });
  const select = h('select', { id: 'colouring', 'aria-label': t('map.colour'), onchange: (e) => colourBy(e.target.value) },
    ['street', 'community', 'squad', 'cases'].map(m => h('option', { value: m, selected: m === colouring }, t(`colour.${m}`))));
  return h('div', { class: 'tools' }, input, h('label', null, t('map.colour'), ' ', select), results);
}

async function search(text, results) {
  if (!text.trim()) { replace(results); return; }
  const found = await api('/api/grids/search', { query: { q: text.trim() } });
  const item = (label, sub, onclick) => h('li', null, h('button', { type: 'button', class: 'link', onclick }, label, sub ? h('small', null, ' ', sub) : null));
  const groups = [];
  if (found.grids.length) groups.push(h('h4', null, t('search.grids')), h('ul', { id: 'search-grids' }, found.grids.map(g =>
    item(`${g.name} ${g.code}`, [g.streetName, g.communityName].filter(Boolean).join(' · '), () => { flyToBbox(g.bbox); location.hash = `#/grids/${encodeURIComponent(g.code)}`; }))));
  if (found.streets.length) groups.push(h('h4', null, t('search.streets')), h('ul', { id: 'search-streets' }, found.streets.map(s =>
    item(s.name ?? s.code, `${s.code} · ${t('map.grids', { count: s.grids })}`, () => flyToBbox(s.bbox, 15)))));
  if (found.communities.length) groups.push(h('h4', null, t('search.communities')), h('ul', { id: 'search-communities' }, found.communities.map(c =>
    item(c.name ?? c.code, `${c.code} · ${t('map.grids', { count: c.grids })}`, () => flyToBbox(c.bbox, 16)))));
  replace(results, groups.length ? groups : h('p', null, t('search.none')));
}

/** Colours the grids; squad and open-case colours come from /api/grids/staffing for the grids in view. */
export function colourBy(mode) {
  colouring = mode;
  const map = getMap();
  setColouring(map, mode);
  if (staffingHandler) { map.off('moveend', staffingHandler); staffingHandler = null; }
  if (mode === 'squad' || mode === 'cases') {
    staffingHandler = () => loadStaffing(map).catch(e => { document.getElementById('status').textContent = e.message; });
    map.on('moveend', staffingHandler);
    staffingHandler();
  }
}

const squadIndex = new Map();

async function loadStaffing(map) {
  const b = map.getBounds();
  const [w, s] = fromMap([b.getWest(), b.getSouth()]);
  const [e, n] = fromMap([b.getEast(), b.getNorth()]);
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const bbox = [clamp(w, -180, 180), clamp(s, -90, 90), clamp(e, -180, 180), clamp(n, -90, 90)].map(v => v.toFixed(6)).join(',');
  const rows = await api('/api/grids/staffing', { query: { bbox } });
  for (const r of rows) {
    if (r.squadId && !squadIndex.has(r.squadId)) squadIndex.set(r.squadId, squadIndex.size);
    map.setFeatureState({ source: SOURCE, sourceLayer: 'grids', id: r.code },
      { squadIdx: r.squadId ? squadIndex.get(r.squadId) : -1, openCases: r.openCases, squad: r.squadId ?? '' });
  }
  document.getElementById('status').textContent = t('map.grids', { count: rows.length });
}
