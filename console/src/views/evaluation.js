// #/evaluation: 考核评价 for operators and the command center — the figures of a period, a ranking table whose every
// number opens its cases, the trend of the last periods, the grids coloured by score and the hot spots on the map, and
// the downloads (CSV, XLSX, the bulletin).
import { api } from '../api.js';
import { h, replace, table } from '../dom.js';
import { t } from '../i18n.js';
import { getMap, setColouring } from '../mapview.js';
import { geoToMap } from '../geo/display.js';
import { clearOverlay, showOverlay } from '../layers/overlays.js';
import { SOURCE } from '../layers/grids.js';

const LEVELS = ['grid', 'community', 'street', 'district', 'squad', 'officer', 'dispatcher', 'channel', 'matter', 'class', 'classmajor'];
const PERIODS = ['day', 'week', 'month', 'quarter', 'year'];
const COUNTS = ['received', 'registered', 'closed', 'closedOnTime', 'overdueOpen', 'duplicates'];
const RATES = ['closureRate', 'onTimeRate', 'satisfaction'];
const HOTSPOTS = 'eval-hotspots';
const TREND = 6;

/** Today in the bureau's calendar (UTC+8), as yyyy-MM-dd. */
function today() { return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10); }

/** The date `steps` periods before `date` (the trend's points). */
function back(period, date, steps) {
  const d = new Date(`${date}T00:00:00Z`);
  if (period === 'day') d.setUTCDate(d.getUTCDate() - steps);
  else if (period === 'week') d.setUTCDate(d.getUTCDate() - 7 * steps);
  else if (period === 'month') d.setUTCMonth(d.getUTCMonth() - steps, 1);
  else if (period === 'quarter') d.setUTCMonth(d.getUTCMonth() - 3 * steps, 1);
  else d.setUTCFullYear(d.getUTCFullYear() - steps, 0, 1);
  return d.toISOString().slice(0, 10);
}

const pct = v => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);
const num = v => (v === null || v === undefined ? '—' : Number(v).toFixed(1));

/** #/evaluation[/level/period/date] */
export async function render(panel, [level = 'grid', period = 'month', date = today()] = []) {
  panel.classList.add('wide');
  const map = getMap();
  const state = { level: LEVELS.includes(level) ? level : 'grid', period: PERIODS.includes(period) ? period : 'month', date };
  const go = () => { location.hash = `#/evaluation/${state.level}/${state.period}/${state.date}`; };
  const select = (id, values, value, key) => h('select', { id, onchange: (e) => { state[key] = e.target.value; go(); } },
    values.map(v => h('option', { value: v, selected: v === value }, t(`eval.${key}.${v}`))));
  const dateInput = h('input', { type: 'date', id: 'eval-date', value: state.date, onchange: (e) => { if (e.target.value) { state.date = e.target.value; go(); } } });
  const query = { level: state.level, period: state.period, date: state.date };
  const summary = h('div', { id: 'eval-summary', class: 'cards' });
  const trend = h('div', { id: 'eval-trend' });
  const rows = h('div', { id: 'eval-table' }, t('eval.loading'));
  const cases = h('div', { id: 'eval-cases' });
  panel.append(h('h2', null, t('eval.title')),
    h('div', { class: 'tools inline' },
      h('label', null, t('eval.level'), ' ', select('eval-level', LEVELS, state.level, 'level')),
      h('label', null, t('eval.period'), ' ', select('eval-period', PERIODS, state.period, 'period')),
      h('label', null, t('eval.date'), ' ', dateInput),
      h('button', { type: 'button', id: 'eval-csv', onclick: () => download('/api/evaluation', { ...query, format: 'csv', headers: 'zh' }) }, 'CSV'),
      h('button', { type: 'button', id: 'eval-xlsx', onclick: () => download('/api/evaluation', { ...query, format: 'xlsx', headers: 'zh' }) }, 'XLSX'),
      // The bulletin is a page of its own (its styles, printed): saved as a file, opened by the browser from there.
      h('button', { type: 'button', id: 'eval-bulletin', onclick: () => download('/api/evaluation/bulletin', { period: state.period, date: state.date, download: 'true' }) }, t('eval.bulletin'))),
    summary, rows, cases, trend);

  const data = await api('/api/evaluation', { query });
  const from = data.from.slice(0, 10);
  const to = new Date(new Date(data.to).getTime() - 86400_000 + 8 * 3600_000).toISOString().slice(0, 10);
  replace(summary,
    h('p', { class: 'hint' }, t('eval.range', { from, to })),
    [...COUNTS.map(c => card(t(`ind.${c}`), String(data.total[c] ?? 0), c)), ...RATES.map(r => card(t(`ind.${r}`), pct(data.total[r]), r))]);
  const trace = (code, indicator) => showCases(cases, { ...query, unit: code ?? '', indicator }, code ?? t('eval.none'));
  const countCell = (row, indicator) => h('button', { type: 'button', class: 'link', dataset: { trace: `${row.code ?? ''}|${indicator}` },
    onclick: () => trace(row.code, indicator) }, String(row[indicator] ?? 0));
  replace(rows, table(
    [t('eval.rank'), t('eval.code'), t('eval.name'), ...COUNTS.slice(0, 4).map(c => t(`ind.${c}`)), t('ind.closureRate'), t('ind.onTimeRate'), t('eval.score'), t('eval.change')],
    data.rows.map(r => [r.rank ?? '—', r.code ?? t('eval.none'), r.name ?? '', ...COUNTS.slice(0, 4).map(c => countCell(r, c)),
      pct(r.closureRate), pct(r.onTimeRate), num(r.score), r.scoreChange === null || r.scoreChange === undefined ? '—' : (r.scoreChange > 0 ? '+' : '') + num(r.scoreChange)]),
    { id: 'eval-rows', dataset: { rows: String(data.rows.length) } }));

  // The map: grids coloured by their score (this level's grids, or each grid by the score of its unit above), hot spots.
  const scores = new Map(data.rows.filter(r => r.code).map(r => [r.code, r.score]));
  if (state.level === 'grid') {
    for (const [code, score] of scores) map.setFeatureState({ source: SOURCE, sourceLayer: 'grids', id: code }, { score: score ?? -1 });
    setColouring(map, 'score');
  }
  const hot = await api('/api/evaluation/density', { query: { period: state.period, date: state.date, size: 200 } });
  const top = Math.max(1, ...hot.features.map(f => f.properties.count));
  showOverlay(map, HOTSPOTS, geoToMap({ type: 'FeatureCollection', features: hot.features.map(f => ({ ...f,
    properties: { ...f.properties, fid: f.id, colour: heat(f.properties.count / top) } })) }), { fillOpacity: 0.55, lineWidth: 0.5 });
  panel.dataset.hotspots = String(hot.features.length);

  // The trend: the total's rates over the last periods (one light table each: by matter).
  const points = await Promise.all(Array.from({ length: TREND }, (_, i) => back(state.period, state.date, TREND - 1 - i)).map(async d => {
    const p = await api('/api/evaluation', { query: { level: 'matter', period: state.period, date: d } });
    return { label: p.from.slice(0, 10), received: p.total.received, closureRate: p.total.closureRate, onTimeRate: p.total.onTimeRate };
  }));
  replace(trend, h('h3', null, t('eval.trend')), chart(points));
  panel.dataset.ready = 'true';
  return () => {
    panel.classList.remove('wide');
    clearOverlay(map, HOTSPOTS);
    if (state.level === 'grid') { for (const code of scores.keys()) map.removeFeatureState({ source: SOURCE, sourceLayer: 'grids', id: code }, 'score'); setColouring(map, 'street'); }
  };
}

function card(label, value, key) {
  return h('div', { class: 'card', dataset: { indicator: key } }, h('small', null, label), h('strong', null, value));
}

/** White through orange to dark red as a hexagon holds more of the period's cases. */
function heat(share) {
  const stops = [[255, 255, 204], [253, 141, 60], [189, 0, 38]];
  const x = Math.min(1, Math.max(0, share)) * 2;
  const [a, b] = x < 1 ? [stops[0], stops[1]] : [stops[1], stops[2]];
  const f = x < 1 ? x : x - 1;
  return `rgb(${a.map((v, i) => Math.round(v + (b[i] - v) * f)).join(',')})`;
}

/** The cases behind a number, in the panel below the table. */
async function showCases(box, query, unitLabel) {
  replace(box, t('eval.loading'));
  const found = await api('/api/evaluation/cases', { query });
  replace(box, h('h3', null, t('eval.casesOf', { indicator: found.indicatorName, unit: unitLabel, total: found.total })),
    h('button', { type: 'button', id: 'eval-cases-xlsx', onclick: () => download('/api/evaluation/cases', { ...query, format: 'xlsx', headers: 'zh' }) }, 'XLSX'),
    table([t('eval.caseId'), t('eval.matter'), t('eval.state'), t('eval.grid'), t('eval.officer'), t('eval.reportedAt')],
      found.cases.map(c => [c.caseId, c.matter, c.state, c.gridCode ?? '', c.officerId ?? '', new Date(c.reportedAt).toLocaleString('zh-CN', { hour12: false })]),
      { id: 'eval-case-list', dataset: { total: String(found.total) } }));
}

/** A line chart of the rates (and bars of what came in) as SVG built from elements: no markup from data. */
function chart(points) {
  const ns = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs, ...kids) => { const e = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v)); e.append(...kids); return e; };
  const [w, hgt, pad] = [520, 180, 30];
  const x = i => pad + (i * (w - 2 * pad)) / Math.max(1, points.length - 1);
  const y = v => hgt - pad - v * (hgt - 2 * pad);
  const most = Math.max(1, ...points.map(p => p.received));
  const svg = el('svg', { viewBox: `0 0 ${w} ${hgt}`, width: '100%', role: 'img', 'aria-label': t('eval.trend'), id: 'eval-chart' });
  points.forEach((p, i) => {
    const barH = (p.received / most) * (hgt - 2 * pad);
    svg.append(el('rect', { x: x(i) - 8, y: hgt - pad - barH, width: 16, height: barH, fill: '#c6dbef' }, el('title', {}, `${p.label}: ${p.received}`)));
    svg.append(el('text', { x: x(i), y: hgt - 8, 'text-anchor': 'middle', 'font-size': 10 }, document.createTextNode(p.label.slice(2))));
  });
  for (const [key, colour] of [['closureRate', '#2b8cbe'], ['onTimeRate', '#e34a33']]) {
    const known = points.map((p, i) => [i, p[key]]).filter(([, v]) => v !== null && v !== undefined);
    if (known.length) svg.append(el('polyline', { points: known.map(([i, v]) => `${x(i)},${y(v)}`).join(' '), fill: 'none', stroke: colour, 'stroke-width': 2, 'data-rate': key }));
  }
  return h('div', null, svg, h('p', { class: 'hint legend' }, h('span', { class: 'closure' }, '— ', t('ind.closureRate')), '  ',
    h('span', { class: 'on-time' }, '— ', t('ind.onTimeRate')), '  ', h('span', { class: 'received' }, '▮ ', t('ind.received'))));
}

/** Fetches a file with the credential and saves it under the name the server gives. */
async function download(path, query) {
  const response = await api(path, { query, raw: true });
  if (!response.ok) { document.getElementById('status').textContent = `${response.status} ${response.statusText}`; return; }
  const name = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? 'evaluation';
  const url = URL.createObjectURL(await response.blob());
  const a = h('a', { href: url, download: decodeURIComponent(name) });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

