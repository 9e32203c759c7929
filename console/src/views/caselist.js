// The case lists: the command center's (filtered by state, matter, street, community, grid, squad, channel and the
// deadline flags, with counts per state), an officer's own (most urgent or nearest first, their grids marked on the map)
// and a liaison's grids'. A list follows the server's live case stream and reads itself again as cases change; the
// time left counts down on the page between reads.
import { api } from '../api.js';
import { h, replace, table } from '../dom.js';
import { formatDateTime, formatNumber, t, tWord } from '../i18n.js';
import { flyToBbox, getMap, getSummary } from '../mapview.js';
import { fromMap, toMap } from '../geo/display.js';
import { clearOverlay, showOverlay } from '../layers/overlays.js';
import { SOURCE } from '../layers/grids.js';
import { follow } from '../stream.js';
import { nextDeadline, timeLeft } from './cases.js';

const STATES = ['Registered', 'Dispatched', 'Accepted', 'Handling', 'Parked', 'FeedbackGiven', 'Verifying', 'Verified', 'Returned', 'Closed', 'Void', 'Duplicate'];
const FLAGS = ['overdue', 'warned', 'supervised'];
const FILTERS = ['state', 'matter', 'street', 'community', 'grid', 'squad', 'channel', 'flag'];

/** The command center's lists: cases, those waiting for a place or a grid (待派遣), the supervised (督办). */
function tabs(me, current) {
  if (me.role !== 'Dispatcher') return null;
  return h('nav', { class: 'tabs', id: 'cases-tabs' }, [['open', '#/cases'], ['queue', '#/cases/queue'], ['supervision', '#/cases/supervision']]
    .map(([k, href]) => h('a', { href, class: k === current ? 'active' : null, dataset: { tab: k } }, t(`cases.tab.${k}`))));
}

/** #/cases/queue and #/cases/supervision: the command center's lists, oldest first, with why each case is on it. */
export async function renderMarks(panel, [which], { me }) {
  panel.classList.add('wide');
  const marks = await api(which === 'queue' ? '/api/command-center/queue' : '/api/command-center/supervision');
  if (!panel.isConnected) return null;
  panel.append(...[tabs(me, which), h('h2', null, t(`cases.tab.${which}`))].filter(Boolean),
    marks.length === 0 ? h('p', { id: 'marks-none' }, t('cases.none'))
      : table([t('cases.id'), t(which === 'queue' ? 'cases.reportedAt' : 'cases.since'), t('cases.reason')],
        marks.map(m => [h('a', { href: `#/cases/${encodeURIComponent(m.caseId)}`, class: 'case-link' }, m.caseId), formatDateTime(m.at), m.reason]), { id: 'marks-table' }));
  panel.dataset.ready = 'true';
  return null;
}

/** The search a list's filters ask for (GET /api/cases). */
function searchOf(filters) {
  const query = { limit: 500 };
  if (filters.state) query.state = filters.state; else query.open = true;
  for (const k of ['matter', 'street', 'community', 'grid', 'squad', 'channel']) if (filters[k]) query[k] = filters[k];
  if (FLAGS.includes(filters.flag)) query[filters.flag] = true;
  return query;
}

/** Metres between two WGS84 points (haversine). */
export function metresBetween(lon1, lat1, lon2, lat2) {
  const rad = Math.PI / 180;
  const a = Math.sin((lat2 - lat1) * rad / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin((lon2 - lon1) * rad / 2) ** 2;
  return 6371008.8 * 2 * Math.asin(Math.min(1, Math.sqrt(a)));
}

const located = c => c.lon !== null && c.lon !== undefined;
const overdue = c => { const d = nextDeadline(c); return d !== null && d < Date.now(); };

/** #/cases, #/cases?state=…&street=…, or #/cases/state/<State>: the cases the caller may see, most urgent first. */
export async function renderList(panel, [pathState, queryText], { me }) {
  panel.classList.add('wide');
  const filters = Object.fromEntries(new URLSearchParams(queryText ?? ''));
  if (pathState) filters.state = pathState;
  const dispatcher = me.role === 'Dispatcher';
  const officer = me.role === 'Officer';
  const nav = tabs(me, 'open');
  if (nav) panel.append(nav);   // append() would write a null as the text "null"
  if (officer || dispatcher) panel.append(h('p', null, h('a', { href: '#/cases/new', class: 'button', id: 'cases-new' }, t('report.title'))));
  const live = h('span', { id: 'cases-live', class: 'hint', dataset: { state: 'connecting' } }, t('cases.live.connecting'));
  const counts = h('p', { id: 'cases-counts', class: 'cards' });
  const list = h('div', { id: 'cases-list' }, h('p', null, t('common.loading')));
  let sortBy = officer ? (sessionStorage.getItem('gridserver.caseSort') ?? 'urgent') : 'urgent';
  let here = null;   // the officer's position, for "nearest first"
  // The matters' names, for the list and the filter (the list's summaries carry codes).
  const services = await api('/open311/v2/services.json').catch(() => []);
  const matterName = new Map(services.map(s => [s.service_code, s.service_name]));
  const form = filterForm(filters, dispatcher, services);
  panel.append(...[h('h2', null, officer ? t('cases.mine') : t('cases.title'), ' ', live), form,
    officer ? sortChoice(sortBy, next => { sortBy = next; sessionStorage.setItem('gridserver.caseSort', next); if (next === 'nearest') locate(); else draw(); }) : null,
    counts, list].filter(Boolean));
  if (!panel.isConnected) return null;

  let found = [];
  const changed = new Set();   // cases the stream told of since the last read: marked in the list
  const draw = () => {
    if (!panel.isConnected) return;
    const distance = c => (here && located(c) ? metresBetween(here.lon, here.lat, c.lon, c.lat) : null);
    const rows = [...found];
    if (sortBy === 'nearest' && here) rows.sort((a, b) => (distance(a) ?? Infinity) - (distance(b) ?? Infinity));
    else rows.sort((a, b) => (nextDeadline(a) ?? Infinity) - (nextDeadline(b) ?? Infinity));
    const headers = [t('cases.id'), t('cases.matter'), t('cases.state'), t('cases.grid'), t('cases.officer'), t('cases.deadline')];
    if (here) headers.push(t('cases.distance'));
    replace(list, rows.length === 0 ? h('p', { id: 'cases-none' }, t('cases.none'))
      : table(headers, rows.map(c => [
        h('a', { href: `#/cases/${encodeURIComponent(c.caseId)}`, class: 'case-link', dataset: { changed: changed.has(c.caseId) ? 'true' : null } }, c.caseId),
        matterName.get(c.matter) ?? c.matter,
        [tWord('caseState', c.state), c.supervised ? h('span', { class: 'flag supervised' }, t('cases.flag.supervised')) : null,
          c.warned && !overdue(c) ? h('span', { class: 'flag warned' }, t('cases.flag.warned')) : null],
        c.gridCode ?? '—', c.officerId ?? '—',
        h('span', { class: overdue(c) ? 'error' : null }, timeLeft(nextDeadline(c))),
        ...(here ? [distance(c) === null ? '—' : t('cases.metres', { m: formatNumber(distance(c)) })] : [])]), { id: 'cases-table' }));
    const map = getMap();
    if (map) showOverlay(map, 'cases', { type: 'FeatureCollection', features: rows.filter(located).map(c => ({
      type: 'Feature', properties: { fid: c.caseId, colour: overdue(c) ? '#c53030' : c.warned ? '#dd6b20' : c.supervised ? '#805ad5' : '#2b6cb0' },
      geometry: { type: 'Point', coordinates: toMap([c.lon, c.lat]) } })) });
  };
  const locate = () => {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(p => { here = { lon: p.coords.longitude, lat: p.coords.latitude }; draw(); },
      () => { here = null; draw(); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  };

  let loading = null;
  let again = false;
  const load = async () => {
    // One read at a time; changes told meanwhile ask for one more read after it.
    if (loading) { again = true; return loading; }
    loading = (async () => {
      do {
        again = false;
        const [cases, byState] = await Promise.all([api('/api/cases', { query: searchOf(filters) }),
          dispatcher ? api('/api/command-center/counts') : null]);
        found = cases;
        drawCounts(counts, byState ?? countOf(found), filters.state);
        draw();
        changed.clear();
      } while (again && panel.isConnected);
    })().finally(() => { loading = null; });
    return loading;
  };
  // The stream first, then the read: a case that changes in between is told by the stream.
  let resolveOpen;
  const opened = new Promise(resolve => { resolveOpen = resolve; });
  const stop = follow('/api/cases/stream', (event, c) => {
    if (event === 'case') changed.add(c.caseId);
    if (event === 'case' || event === 'reload') load().catch(() => {});
  }, state => {
    live.dataset.state = state;
    live.textContent = t(`cases.live.${state}`);
    if (state !== 'connecting') resolveOpen();
  });
  await Promise.race([opened, new Promise(resolve => setTimeout(resolve, 5000))]);
  if (!panel.isConnected) { stop(); return null; }
  await load();
  if (sortBy === 'nearest') locate();
  const ticker = setInterval(draw, 30000);   // the time left counts down between reads
  const unmarkGrids = officer ? await markOwnGrids(me) : () => {};
  if (officer) showAll(found);
  panel.dataset.ready = 'true';
  return () => {
    stop();
    clearInterval(ticker);
    unmarkGrids();
    const map = getMap();
    if (map) clearOverlay(map, 'cases');
  };
}

/** The map shows the officer's cases (and so their grids around them). */
function showAll(cases) {
  const at = cases.filter(located);
  if (!at.length) return;
  const pad = 0.002;
  flyToBbox([Math.min(...at.map(c => c.lon)) - pad, Math.min(...at.map(c => c.lat)) - pad,
    Math.max(...at.map(c => c.lon)) + pad, Math.max(...at.map(c => c.lat)) + pad]);
}

function countOf(cases) {
  const counts = {};
  for (const c of cases) counts[c.state] = (counts[c.state] ?? 0) + 1;
  return counts;
}

/** Counts per state as cards; a click lists that state. */
function drawCounts(box, counts, current) {
  replace(box, Object.entries(counts).map(([s, n]) => h('a', { class: `card${s === current ? ' active' : ''}`, href: `#/cases?state=${s}`, dataset: { state: s } },
    h('small', null, tWord('caseState', s)), h('strong', null, String(n)))));
}

/** The filters, as the address keeps them (#/cases?street=…): a filtered list can be bookmarked and shared. */
function filterForm(filters, dispatcher, services) {
  const select = (name, options, label) => h('label', null, label,
    h('select', { id: `filter-${name}`, name }, h('option', { value: '' }, t('cases.any')),
      options.map(([value, text]) => h('option', { value, selected: filters[name] === value }, text))));
  const input = (name, label) => h('label', null, label, h('input', { id: `filter-${name}`, name, value: filters[name] ?? '', autocomplete: 'off', size: 14 }));
  const fields = [select('state', STATES.map(s => [s, tWord('caseState', s)]), t('cases.state'))];
  if (dispatcher) {
    const summary = getSummary();
    fields.push(
      select('matter', services.map(s => [s.service_code, s.service_name]), t('cases.matter')),
      select('street', (summary?.streets ?? []).map(s => [s.code, s.name ?? s.code]), t('cases.street')),
      select('community', (summary?.communities ?? []).filter(c => !filters.street || c.streetCode === filters.street).map(c => [c.code, c.name ?? c.code]), t('cases.community')),
      input('grid', t('cases.grid')), input('squad', t('cases.squad')), input('channel', t('cases.channel')),
      select('flag', FLAGS.map(f => [f, t(`cases.flag.${f}`)]), t('cases.flag')));
  }
  const form = h('form', { id: 'cases-filters', class: 'filters', onsubmit: e => { e.preventDefault(); apply(); } },
    fields, h('div', { class: 'filter-actions' }, h('button', { type: 'submit', id: 'cases-apply' }, t('cases.apply')),
      h('a', { href: '#/cases', id: 'cases-clear' }, t('cases.clear'))));
  const apply = () => {
    const query = new URLSearchParams();
    for (const name of FILTERS) {
      const value = form.elements[name]?.value?.trim();
      if (value) query.set(name, value);
    }
    const text = query.toString();
    location.hash = text ? `#/cases?${text}` : '#/cases';
  };
  for (const name of ['state', 'matter', 'street', 'community', 'flag']) form.elements[name]?.addEventListener('change', apply);
  return form;
}

function sortChoice(current, onChange) {
  return h('div', { class: 'inline', id: 'cases-sort', role: 'radiogroup', 'aria-label': t('cases.sort') },
    ['urgent', 'nearest'].map(k => h('label', { class: 'check' },
      h('input', { type: 'radio', name: 'case-sort', value: k, checked: k === current, onchange: () => onChange(k) }), ' ', t(`cases.sort.${k}`))));
}

/** From this zoom on, an officer's own grids are marked (a street or less is in view). */
const MARK_ZOOM = 13;

/**
 * An officer's own grids (those whose A or B post they hold) marked on the map, as far as the map shows: the grids'
 * people are read for the view after each move, from a street's width in (see MARK_ZOOM).
 */
async function markOwnGrids(me) {
  const map = getMap();
  if (!map) return () => {};
  const marked = new Set();
  const mark = async () => {
    if (map.getZoom() < MARK_ZOOM) return;   // a whole city's grids are too many to ask about on a phone
    const b = map.getBounds();
    const [w, s] = fromMap([b.getWest(), b.getSouth()]);
    const [e, n] = fromMap([b.getEast(), b.getNorth()]);
    let rows;
    try { rows = await api('/api/grids/staffing', { query: { bbox: [w, s, e, n].map(v => v.toFixed(6)).join(',') } }); } catch { return; }
    for (const r of rows) {
      const mine = r.officerA === me.subject || r.officerB === me.subject;
      if (mine === marked.has(r.code)) continue;
      if (mine) marked.add(r.code); else marked.delete(r.code);
      map.setFeatureState({ source: SOURCE, sourceLayer: 'grids', id: r.code }, { mine });
    }
    document.body.dataset.ownGrids = String(marked.size);
  };
  map.on('moveend', mark);
  await mark();
  return () => {
    map.off('moveend', mark);
    for (const code of marked) map.setFeatureState({ source: SOURCE, sourceLayer: 'grids', id: code }, { mine: false });
    delete document.body.dataset.ownGrids;
  };
}
