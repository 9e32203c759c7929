// People: squads (leader, members — added and removed), officers (weekly roster, extra and night shifts, absences),
// liaisons and what they watch (drawn on the map), bulk assignment of grids selected on the map (lasso, street,
// community), and community webhooks (set, test, dead letters).
import { api } from '../api.js';
import { h, replace, table } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';
import { getMap, getSummary, onGridClick } from '../mapview.js';

import { inRing } from '../geo/snap.js';
import { FILL, setGridState } from '../layers/grids.js';
import { clearOverlay, showOverlay } from '../layers/overlays.js';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const enc = encodeURIComponent;

export async function render(panel, kind, id, ctx) {
  panel.classList.add('wide');
  const tabs = h('nav', { class: 'tabs' }, ['squads', 'officers', 'liaisons', 'bulk', 'webhooks'].map(k =>
    h('a', { href: `#/people/${k}`, class: (kind ?? 'squads') === k ? 'active' : '' }, t(`people.tab.${k}`))));
  panel.append(h('h2', null, t('people.title')), tabs);
  const body = h('div', { id: 'people-body' });
  panel.append(body);
  const pages = { squads, officers, liaisons, bulk, webhooks };
  const done = await pages[kind ?? 'squads'](body, id, ctx);
  return () => { panel.classList.remove('wide'); done?.(); };
}

function lookup(label, id, value, go) {
  const input = h('input', { id, value: value ?? '' });
  return h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); if (input.value.trim()) go(input.value.trim()); } },
    h('label', null, label, input), h('button', { type: 'submit' }, t('people.open')));
}

function errorLine() { return h('p', { class: 'error', role: 'alert' }); }

async function attempt(error, fn) {
  error.textContent = '';
  try { await fn(); } catch (e) {
    error.textContent = e.status === 404 || e.status === 405 ? `${e.message} — ${t('people.removeUnavailable')}` : e.message;
  }
}

async function squads(body, id) {
  body.append(lookup(t('people.squadId'), 'squad-id', id, v => { location.hash = `#/people/squads/${enc(v)}`; }));
  if (!id) return;
  const error = errorLine();
  const view = h('div', { id: 'squad' });
  // Made once, outside what each load redraws, so that what the operator is typing survives a reload.
  const officer = h('input', { id: 'squad-officer', placeholder: 'O-…' });
  const load = async () => {
    const s = await api(`/api/squads/${enc(id)}`);
    replace(view, h('h3', null, `${t('people.squad')} ${s.squadId}`),
      h('p', null, `${t('people.leader')}: `, h('strong', { id: 'squad-leader' }, s.leader ?? t('card.none')),
        s.leader ? h('button', { type: 'button', id: 'remove-leader', class: 'danger', onclick: () => attempt(error, async () => { await api(`/api/squads/${enc(id)}/leader`, { method: 'DELETE' }); await load(); }) }, t('people.remove')) : null),
      h('h4', null, t('people.members')),
      h('ul', { id: 'squad-members' }, (s.officers ?? []).map(o => h('li', null, h('a', { href: `#/people/officers/${enc(o)}` }, o), ' ',
        h('button', { type: 'button', class: 'danger', dataset: { remove: o }, onclick: () => attempt(error, async () => { await api(`/api/squads/${enc(id)}/officers/${enc(o)}`, { method: 'DELETE' }); await load(); }) }, t('people.remove'))))),
      h('form', { class: 'inline', onsubmit: (e) => { e.preventDefault(); } }, h('label', null, t('people.officerId'), officer),
        h('button', { type: 'button', id: 'add-member', onclick: () => attempt(error, async () => { await api(`/api/squads/${enc(id)}/officers/${enc(officer.value.trim())}`, { method: 'PUT' }); await load(); }) }, t('people.addMember')),
        h('button', { type: 'button', id: 'set-leader', onclick: () => attempt(error, async () => { await api(`/api/squads/${enc(id)}/leader`, { method: 'PUT', body: { officerId: officer.value.trim() } }); await load(); }) }, t('people.setLeader'))),
      h('h4', null, `${t('people.grids')} (${s.grids?.length ?? 0})`), h('p', { class: 'codes' }, (s.grids ?? []).join(' ')), error);
    highlight(s.grids ?? []);
  };
  body.append(view);
  await load();
  return () => highlight([]);
}

let highlighted = [];
/** Outlines grids on the map (a squad's, a liaison's, a selection); the map's element says how many (`data-highlighted`). */
function highlight(codes) {
  const map = getMap();
  for (const c of highlighted) setGridState(map, c, { selected: false });
  highlighted = codes;
  for (const c of codes) setGridState(map, c, { selected: true });
  map.getContainer().dataset.highlighted = String(codes.length);
}

async function officers(body, id) {
  body.append(lookup(t('people.officerId'), 'officer-id', id, v => { location.hash = `#/people/officers/${enc(v)}`; }));
  if (!id) return;
  const error = errorLine();
  const o = await api(`/api/officers/${enc(id)}`);
  const weekly = new Map((o.roster?.weekly ?? []).map(s => [s.day, s]));
  const rows = DAYS.map(day => {
    const s = weekly.get(day);
    return { day, on: h('input', { type: 'checkbox', checked: !!s, dataset: { day } }), start: h('input', { type: 'time', value: s?.start?.slice(0, 5) ?? '08:30' }), end: h('input', { type: 'time', value: s?.end?.slice(0, 5) ?? '17:30' }) };
  });
  const extras = (o.roster?.extra ?? []).map(x => ({ ...x }));
  const extraList = h('ul', { id: 'extra-shifts' });
  const showExtras = () => replace(extraList, extras.map((x, i) => h('li', null, `${x.date} ${x.start.slice(0, 5)}–${x.end.slice(0, 5)} `,
    h('button', { type: 'button', onclick: () => { extras.splice(i, 1); showExtras(); } }, t('people.remove')))));
  showExtras();
  const xDate = h('input', { type: 'date', id: 'extra-date' }), xStart = h('input', { type: 'time', value: '20:00' }), xEnd = h('input', { type: 'time', value: '08:00' });
  const aFrom = h('input', { type: 'datetime-local', id: 'absence-from' }), aTo = h('input', { type: 'datetime-local', id: 'absence-to' }), aReason = h('input', { id: 'absence-reason' });
  body.append(h('h3', null, `${t('people.officer')} ${o.officerId} · `, h('span', { id: 'duty' }, o.duty === 'OnDuty' ? t('people.onDuty') : t('people.offDuty'))),
    h('h4', null, t('people.roster')),
    table(['', t('people.start'), t('people.end')], rows.map(r => [h('label', null, r.on, ' ', t(`day.${r.day}`)), r.start, r.end]), { id: 'roster', class: 'roster' }),
    h('h4', null, t('people.extra')), extraList,
    h('div', { class: 'inline' }, xDate, xStart, xEnd, h('button', { type: 'button', onclick: () => { if (xDate.value) { extras.push({ date: xDate.value, start: `${xStart.value}:00`, end: `${xEnd.value}:00` }); showExtras(); } } }, t('people.addExtra'))),
    h('button', { type: 'button', id: 'save-roster', class: 'primary', onclick: () => attempt(error, async () => {
      const body = { weekly: rows.filter(r => r.on.checked).map(r => ({ day: r.day, start: r.start.value, end: r.end.value })), extra: extras.map(x => ({ date: x.date, start: x.start.slice(0, 5), end: x.end.slice(0, 5) })), utcOffsetMinutes: 480 };
      await api(`/api/officers/${enc(id)}/roster`, { method: 'PUT', body });
      error.textContent = '✓';
    }) }, t('people.saveRoster')),
    h('h4', null, t('people.absence')),
    h('ul', { id: 'absences' }, (o.absences ?? []).map(a => h('li', null, `${formatDateTime(a.from)} – ${formatDateTime(a.to)} ${a.reason}`))),
    h('div', { class: 'inline' }, aFrom, aTo, aReason, h('button', { type: 'button', id: 'add-absence', onclick: () => attempt(error, async () => {
      await api(`/api/officers/${enc(id)}/absences`, { method: 'POST', body: { from: `${aFrom.value}:00+08:00`, to: `${aTo.value}:00+08:00`, reason: aReason.value } });
      location.reload();
    }) }, t('people.addAbsence'))), error);
}

async function liaisons(body, id) {
  body.append(lookup(t('people.liaisonId'), 'liaison-id', id, v => { location.hash = `#/people/liaisons/${enc(v)}`; }));
  if (!id) return;
  const error = errorLine();
  const view = h('div', { id: 'liaison' });
  const load = async () => {
    const l = await api(`/api/liaisons/${enc(id)}`);
    const grid = h('input', { id: 'liaison-grid' }), community = h('input', { id: 'liaison-community' });
    const item = (kind, code) => h('li', null, code, ' ', h('button', { type: 'button', class: 'danger', onclick: () => attempt(error, async () => { await api(`/api/liaisons/${enc(id)}/${kind}/${enc(code)}`, { method: 'DELETE' }); await load(); }) }, t('people.remove')));
    replace(view, h('h3', null, `${t('people.liaison')} ${l.liaisonId}`), h('h4', null, t('people.watch')),
      h('ul', null, l.grids.map(c => item('grids', c)), l.communities.map(c => item('communities', c))),
      h('div', { class: 'inline' }, grid, h('button', { type: 'button', onclick: () => attempt(error, async () => { await api(`/api/liaisons/${enc(id)}/grids/${enc(grid.value.trim())}`, { method: 'PUT' }); await load(); }) }, t('people.addGrid'))),
      h('div', { class: 'inline' }, community, h('button', { type: 'button', onclick: () => attempt(error, async () => { await api(`/api/liaisons/${enc(id)}/communities/${enc(community.value.trim())}`, { method: 'PUT' }); await load(); }) }, t('people.addCommunity'))), error);
    // Whole communities are drawn through their grids, asked of the server (the tiles loaded so far may not hold them all).
    const inCommunities = await Promise.all(l.communities.map(c => api('/api/grids/staffing', { query: { community: c } }).then(rows => rows.map(r => r.code), () => [])));
    highlight([...new Set([...l.grids, ...inCommunities.flat()])]);
  };
  body.append(view);
  await load();
  return () => highlight([]);
}

async function bulk(body, first) {
  const map = getMap();
  const selected = new Set(first ? [first] : []);
  const count = h('p', { id: 'bulk-count' });
  const error = errorLine();
  const show = () => { count.textContent = t('bulk.selected', { count: selected.size }); highlight([...selected]); };
  const summary = getSummary();
  const street = h('select', { id: 'bulk-street' }, h('option', { value: '' }, '—'), summary.streets.map(s => h('option', { value: s.code }, `${s.name ?? ''} ${s.code}`)));
  const community = h('select', { id: 'bulk-community' }, h('option', { value: '' }, '—'), summary.communities.map(c => h('option', { value: c.code }, `${c.name ?? ''} ${c.code}`)));
  const pick = async (query) => {
    const rows = await api('/api/grids/staffing', { query });
    for (const r of rows) selected.add(r.code);
    show();
  };
  street.addEventListener('change', () => street.value && pick({ street: street.value }));
  community.addEventListener('change', () => community.value && pick({ community: community.value }));
  const squad = h('input', { id: 'bulk-squad' }), a = h('input', { id: 'bulk-a' }), b = h('input', { id: 'bulk-b' });
  const follow = h('input', { type: 'checkbox', id: 'bulk-follow' });
  const done = h('p', { id: 'bulk-done', class: 'ok' });
  body.append(h('h3', null, t('bulk.title')), h('p', { class: 'hint' }, t('bulk.help')),
    h('label', null, t('bulk.byStreet'), street), h('label', null, t('bulk.byCommunity'), community), count,
    h('label', null, t('bulk.squad'), squad), h('label', null, t('bulk.officerA'), a), h('label', null, t('bulk.officerB'), b),
    h('label', null, follow, ' ', t('bulk.follow')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'bulk-assign', class: 'primary', onclick: () => attempt(error, async () => {
        const v = x => x.value.trim() || null;
        const answer = await api('/api/personnel/reassign', { method: 'POST', body: { grids: [...selected].map(code => ({ gridCode: code, squadId: v(squad), officerA: v(a), officerB: v(b) })), openCasesFollow: follow.checked } });
        done.textContent = t('bulk.done', { count: answer.grids ?? selected.size });
      }) }, t('bulk.assign')),
      h('button', { type: 'button', id: 'bulk-clear', onclick: () => { selected.clear(); show(); } }, t('bulk.clear'))), done, error);
  show();
  // Clicking toggles a grid; Alt-drag draws a lasso that adds every grid whose middle falls inside it.
  const offClick = onGridClick((code) => { if (selected.has(code)) selected.delete(code); else selected.add(code); show(); });
  let lasso = null;
  const canvas = map.getCanvasContainer();
  const down = (e) => {
    if (!e.altKey || e.button !== 0) return;
    e.preventDefault(); e.stopPropagation();
    map.dragPan.disable();
    lasso = [pointOf(e)];
  };
  const move = (e) => {
    if (!lasso) return;
    lasso.push(pointOf(e));
    const ring = [...lasso, lasso[0]].map(p => { const q = map.unproject(p); return [q.lng, q.lat]; });
    showOverlay(map, 'lasso', { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: { colour: '#1f78b4' } }] }, { fillOpacity: 0.15, dashed: true });
  };
  const up = () => {
    if (!lasso) return;
    const ring = lasso;
    lasso = null;
    map.dragPan.enable();
    clearOverlay(map, 'lasso');
    if (ring.length < 3) return;
    const xs = ring.map(p => p[0]), ys = ring.map(p => p[1]);
    for (const f of map.queryRenderedFeatures([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], { layers: [FILL] })) {
      const outer = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
      const mid = outer.reduce((s, p) => [s[0] + p[0] / outer.length, s[1] + p[1] / outer.length], [0, 0]);
      const sp = map.project(mid);
      if (inRing([sp.x, sp.y], ring)) selected.add(f.properties.code);
    }
    show();
  };
  const pointOf = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  canvas.addEventListener('mousedown', down, true);
  window.addEventListener('mousemove', move);
  window.addEventListener('mouseup', up);
  return () => { offClick(); highlight([]); canvas.removeEventListener('mousedown', down, true); window.removeEventListener('mousemove', move); window.removeEventListener('mouseup', up); clearOverlay(map, 'lasso'); };
}

async function webhooks(body, code) {
  body.append(lookup(t('people.communityCode'), 'community-code', code, v => { location.hash = `#/people/webhooks/${enc(v)}`; }));
  const error = errorLine();
  const letters = h('div', { id: 'dead-letters' });
  // The dead letters of this community (all of them without one), oldest first, each re-sent or discarded here.
  const loadLetters = async () => {
    const items = await api('/api/webhooks/dead-letters', { query: { community: code ?? undefined } });
    const act = (path, method) => attempt(error, async () => { await api(path, { method }); await loadLetters(); });
    replace(letters, h('h4', null, t('people.deadLetters'), ` (${items.length})`),
      items.length ? table([t('letters.id'), t('letters.community'), t('letters.attempts'), t('letters.error'), t('letters.at'), ''], items.map(d => [
        d.id, d.message?.community ?? '', String(d.attempts), d.lastError ?? '', formatDateTime(d.deadAt),
        h('span', null,
          h('button', { type: 'button', dataset: { resend: d.id }, onclick: () => act(`/api/webhooks/dead-letters/${enc(d.id)}/resend`, 'POST') }, t('people.resend')), ' ',
          h('button', { type: 'button', class: 'danger', dataset: { discard: d.id }, onclick: () => act(`/api/webhooks/dead-letters/${enc(d.id)}`, 'DELETE') }, t('letters.discard')))]), { id: 'dead-letters-table' })
        : h('p', { id: 'dead-letters-none' }, t('letters.none')));
  };
  if (code) {
    const current = await api(`/api/communities/${enc(code)}/webhook`).catch(() => null);
    const url = h('input', { id: 'webhook-url', value: current?.url ?? '', placeholder: 'https://…' });
    const secret = h('input', { id: 'webhook-secret', type: 'password' });
    const shown = h('p', { id: 'webhook-current' });
    const showTarget = (target) => { shown.textContent = target ? t('webhook.current', { url: target.url }) + (target.lastError ? ` · ${target.lastError}` : '') : t('webhook.none'); };
    showTarget(current);
    const tested = h('p', { id: 'webhook-test-result', role: 'status' });
    body.append(h('h3', null, `${t('people.webhook')} ${code}`), shown, h('label', null, t('people.webhookUrl'), url), h('label', null, t('people.webhookSecret'), secret),
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'webhook-set', class: 'primary', onclick: () => attempt(error, async () => { showTarget(await api(`/api/communities/${enc(code)}/webhook`, { method: 'PUT', body: { url: url.value.trim(), secret: secret.value || null } })); error.textContent = '✓'; }) }, t('people.setWebhook')),
        h('button', { type: 'button', id: 'webhook-test', onclick: () => attempt(error, async () => {
          tested.textContent = t('common.loading');
          tested.className = '';
          try {
            const r = await api(`/api/communities/${enc(code)}/webhook/test`, { method: 'POST' });
            tested.textContent = r.delivered ? t('webhook.testOk', { status: r.statusCode, ms: r.milliseconds }) : t('webhook.testFailed', { error: r.error ?? `HTTP ${r.statusCode}` });
            tested.className = r.delivered ? 'ok' : 'error';
          } catch (e) {
            tested.textContent = '';
            throw e;
          }
        }) }, t('webhook.test')),
        h('button', { type: 'button', id: 'webhook-remove', class: 'danger', onclick: () => attempt(error, async () => { await api(`/api/communities/${enc(code)}/webhook`, { method: 'DELETE' }); url.value = ''; showTarget(null); await loadLetters(); }) }, t('people.remove'))),
      tested);
  }
  body.append(letters, error);
  await loadLetters().catch(e => { error.textContent = e.message; });
}
