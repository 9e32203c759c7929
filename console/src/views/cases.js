// Cases: a new report where an officer stands, and a case's page — the report, its
// grid and people, its deadlines with the time left, its photos and timeline, and exactly the actions the server says
// the caller may take now. An officer attaches photos (处置前/处置后) from the phone's camera to an action; an action
// that cannot be sent is kept in this tab and sent again on request with the same Idempotency-Key, so the server
// applies it once (and photos are stored by content, so sending one twice stores it once).
import { api, ApiError } from '../api.js';
import { h, replace, table } from '../dom.js';
import { formatDateTime, formatNumber, t, tWord } from '../i18n.js';
import { flyToBbox, getMap } from '../mapview.js';
import { fromMap, toMap } from '../geo/display.js';
import { clearOverlay, showOverlay } from '../layers/overlays.js';

const PENDING = 'gridserver.pendingActions';

/** The earliest running deadline of a case, or null. */
export function nextDeadline(c) {
  if (c.nextDeadline) return new Date(c.nextDeadline).getTime();   // a list's summary names it
  const due = [c.acceptBy, c.handleBy, c.verifyBy].filter(Boolean).map(d => new Date(d).getTime());
  return due.length ? Math.min(...due) : null;
}

/** "还剩 1 小时 5 分" / "已超期 12 分": minutes to (or past) a deadline, in words (working time: "还剩 1 工作小时 5 分"). */
export function timeLeft(due, now = Date.now()) {
  if (due === null || due === undefined) return '—';
  return minutesInWords(Math.round((due - now) / 60000), false);
}

function minutesInWords(minutes, working) {
  const words = m => (m >= 60 ? t(working ? 'cases.workingHours' : 'cases.hours', { h: Math.floor(m / 60), m: m % 60 })
    : t(working ? 'cases.workingMinutes' : 'cases.minutes', { m }));
  return minutes >= 0 ? t('cases.left', { time: words(minutes) }) : t('cases.overdue', { time: words(-minutes) });
}

/** Actions the server refuses without a reason in the note. */
const NEEDS_REASON = new Set(['Void', 'Return', 'Rework', 'Park', 'RejectExtension', 'Transfer', 'Note', 'Link', 'Unlink', 'Supervise']);

/**
 * #/cases/new: a new report where the officer stands — the matter, what they see, a photo, and their position from the
 * browser's geolocation with its accuracy (a circle touching two grids marks the case for the command center to choose).
 */
export async function renderNew(panel) {
  panel.classList.add('wide');
  const services = await api('/open311/v2/services.json');
  if (!panel.isConnected) return null;
  const matter = h('select', { id: 'new-matter', required: true }, services.map(s => h('option', { value: s.service_code }, s.service_name)));
  const description = h('textarea', { id: 'new-description', rows: 3 });
  const photo = h('input', { type: 'file', id: 'new-photo', accept: 'image/*', capture: 'environment' });
  const where = h('p', { id: 'new-position', class: 'hint' }, t('report.locating'));
  const status = h('p', { id: 'new-status', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'new-submit', disabled: true }, t('report.submit'));
  let position = null;
  const locate = () => {
    if (!navigator.geolocation) { where.textContent = t('report.noGeolocation'); return; }
    where.textContent = t('report.locating');
    navigator.geolocation.getCurrentPosition(p => {
      position = { lon: p.coords.longitude, lat: p.coords.latitude, accuracy: Math.min(p.coords.accuracy, 10000) };
      where.textContent = t('report.position', { lon: position.lon.toFixed(6), lat: position.lat.toFixed(6), accuracy: Math.round(position.accuracy) });
      where.dataset.accuracy = String(Math.round(position.accuracy));
      submit.disabled = false;
    }, e => { where.textContent = t('report.positionFailed', { reason: e.message }); }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
  };
  const key = newKey();   // one report, however often it is sent
  const form = h('form', { id: 'new-report', class: 'case-actions', onsubmit: async e => {
    e.preventDefault();
    if (!position) return;
    submit.disabled = true;
    status.className = '';
    status.textContent = t('cases.sending');
    try {
      let photoId = null;
      if (photo.files[0]) photoId = (await api('/api/media', { method: 'POST', body: photo.files[0], headers: { 'Content-Type': photo.files[0].type || 'application/octet-stream' } })).id;
      const opened = await api('/api/cases', { method: 'POST', headers: { 'Idempotency-Key': key },
        body: { matter: matter.value, lon: position.lon, lat: position.lat, accuracy: position.accuracy, description: description.value.trim() || null, photo: photoId } });
      location.hash = `#/cases/${encodeURIComponent(opened.caseId)}`;
    } catch (err) {
      status.className = 'error';
      status.textContent = err.message;
      submit.disabled = false;
    }
  } },
  h('h2', null, t('report.title')),
  h('label', null, t('cases.matter'), matter), h('label', null, t('cases.description'), description), h('label', null, t('photo.add'), photo),
  where, h('div', { class: 'actions' }, h('button', { type: 'button', id: 'new-relocate', onclick: locate }, t('report.relocate')), submit), status);
  panel.append(form);
  locate();
  panel.dataset.ready = 'true';
  return null;
}

/** #/cases/<id>: the case's page. */
export async function render(panel, id, { me }) {
  panel.classList.add('wide');
  const urls = [];   // blob URLs of the photos shown, released when the page goes
  const cleanups = [];   // map handlers the page set
  const body = h('article', { id: 'case-page', 'aria-label': t('cases.page') }, h('p', null, t('common.loading')));
  panel.append(h('p', null, h('a', { href: '#/cases' }, '← ', t('cases.back'))), body);
  const show = async () => {
    const [c, allowed, photos] = await Promise.all([
      api(`/api/cases/${encodeURIComponent(id)}`), api(`/api/cases/${encodeURIComponent(id)}/actions`), api(`/api/cases/${encodeURIComponent(id)}/photos`)]);
    if (!panel.isConnected) return;
    for (const url of urls.splice(0)) URL.revokeObjectURL(url);
    const none = '—';
    replace(body,
      h('h2', null, c.matterName ?? c.matter, ' ', h('code', { id: 'case-id' }, c.caseId)),
      h('p', null, h('strong', { id: 'case-state', dataset: { state: c.state } }, tWord('caseState', c.state)),
        c.supervised ? h('span', { class: 'error' }, ' · ', t('cases.supervised')) : null,
        c.archived ? h('span', { id: 'case-archived', title: t('cases.archivedHint') }, ' · ', t('cases.archived')) : null),
      table([t('cases.field'), t('cases.value')], [
        [t('cases.description'), c.description ?? none],
        [t('cases.address'), c.address ?? none],
        [t('cases.grid'), c.gridCode ? h('a', { href: `#/grids/${encodeURIComponent(c.gridCode)}` }, c.gridCode) : none],
        [t('cases.squad'), c.squadId ?? none],
        [t('cases.officer'), c.officerId ? `${c.officerId}${c.post ? ` (${c.post})` : ''}` : none],
        [t('cases.channel'), c.reportingChannel ?? none],
        [t('cases.reporter'), c.reporterId ?? none],
        [t('cases.reportedAt'), formatDateTime(c.timeline[0]?.at)],
        // The time left as the server counts it: handling in working hours where the matter is so timed.
        ...(allowed.deadlines ?? []).map(d => [t(`cases.due.${d.kind}`),
          h('span', { class: d.leftSeconds < 0 ? 'error' : null, dataset: { deadline: d.kind, working: String(d.workingTime) } },
            `${formatDateTime(d.due)} · ${minutesInWords(Math.trunc(d.leftSeconds / 60), d.workingTime)}`)]),
        ...Object.entries(c.attributes ?? {}).map(([k, v]) => [k, v]),
      ], { class: 'facts', id: 'case-facts' }),
      photoStrip(photos, urls),
      me.role === 'Dispatcher' && ['Registered', 'Returned', 'Dispatched'].includes(c.state)
        && (c.gridCode === null || c.lon === null || c.lon === undefined || c.queueReason) ? placeForm(c, show, cleanups) : null,
      allowed.actions.length ? actionForm(c, allowed.actions, me, show) : null,
      h('h3', null, t('cases.timeline')),
      table(['#', t('cases.at'), t('cases.actor'), t('cases.action'), t('cases.to'), t('cases.note')],
        c.timeline.map(e => [String(e.sequence), formatDateTime(e.at), e.actorId, tWord('caseAction', e.action), tWord('caseState', e.to),
          [e.note ?? '', e.evidence?.length ? h('small', null, ' ', t('cases.evidence', { count: e.evidence.length })) : null]]), { id: 'case-timeline' }));
    const map = getMap();
    if (map && c.lon !== null && c.lon !== undefined) {
      const [x, y] = toMap([c.lon, c.lat]);
      showOverlay(map, 'case', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { fid: c.caseId, colour: '#c53030' }, geometry: { type: 'Point', coordinates: [x, y] } }] });
      flyToBbox([c.lon - 0.002, c.lat - 0.002, c.lon + 0.002, c.lat + 0.002]);   // WGS84: flyToBbox shifts it for the basemap
    }
    body.dataset.ready = 'true';
  };
  await show();
  return () => {
    for (const url of urls) URL.revokeObjectURL(url);
    for (const fn of cleanups.splice(0)) fn();
    const map = getMap();
    if (map) clearOverlay(map, 'case');
  };
}

/**
 * A report without a place, or in no grid: the dispatcher reads it, clicks where it is on the map and confirms (the
 * case is located, matched to the grid there and dispatched), or sends it to a grid by its code.
 */
function placeForm(c, refresh, cleanups) {
  const picked = h('p', { id: 'place-picked', class: 'hint' }, t('cases.placeHelp'));
  const confirm = h('button', { type: 'button', class: 'primary', id: 'place-confirm', disabled: true }, t('cases.placeConfirm'));
  const status = h('p', { id: 'place-status', role: 'status' });
  const grid = h('input', { id: 'place-grid', placeholder: t('cases.grid'), autocomplete: 'off' });
  let point = null;
  const map = getMap();
  const onClick = e => {
    point = fromMap([e.lngLat.lng, e.lngLat.lat]);
    showOverlay(map, 'place', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { colour: '#dd6b20' }, geometry: { type: 'Point', coordinates: [e.lngLat.lng, e.lngLat.lat] } }] });
    picked.textContent = t('cases.picked', { lon: point[0].toFixed(6), lat: point[1].toFixed(6) });
    picked.dataset.lon = String(point[0]);
    picked.dataset.lat = String(point[1]);
    confirm.disabled = false;
  };
  if (map) {
    map.on('click', onClick);
    map.getCanvas().style.cursor = 'crosshair';
    cleanups.push(() => { map.off('click', onClick); map.getCanvas().style.cursor = ''; clearOverlay(map, 'place'); });
  }
  // One key per kind of placing while this form stands: sent again after a dropped answer, it is the same request.
  const keys = { locate: newKey(), dispatch: newKey(), assign: newKey() };
  const squad = h('input', { id: 'assign-squad', placeholder: t('cases.squad'), autocomplete: 'off' });
  const officer = h('input', { id: 'assign-officer', placeholder: t('cases.officerOptional'), autocomplete: 'off' });
  const act = async (path, body) => {
    status.className = '';
    try {
      const key = path.endsWith('/locate') ? keys.locate : body.squadId ? keys.assign : keys.dispatch;
      await api(path, { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      for (const fn of cleanups.splice(0)) fn();
      await refresh();
    } catch (e) {
      status.className = 'error';
      status.textContent = e.message;
    }
  };
  confirm.addEventListener('click', () => point && act(`/api/cases/${encodeURIComponent(c.caseId)}/locate`, { lon: point[0], lat: point[1] }));
  // The gazetteer's candidates for the reporter's address (地址库候选): choosing one picks its point, as a click on the map would.
  const candidates = c.lon === null || c.lon === undefined ? (c.geocode?.candidates ?? []) : [];
  const pick = (lon, lat) => {
    point = [lon, lat];
    const shown = toMap(point);
    if (map) {
      showOverlay(map, 'place', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { colour: '#dd6b20' }, geometry: { type: 'Point', coordinates: shown } }] });
      flyToBbox([shown[0] - 0.002, shown[1] - 0.002, shown[0] + 0.002, shown[1] + 0.002]);
    }
    picked.textContent = t('cases.picked', { lon: lon.toFixed(6), lat: lat.toFixed(6) });
    picked.dataset.lon = String(lon);
    picked.dataset.lat = String(lat);
    confirm.disabled = false;
  };
  const candidateList = candidates.length === 0 ? null : h('div', { id: 'place-candidates' }, h('h4', null, t('cases.candidates')),
    h('ol', null, candidates.map(g => h('li', null,
      h('button', { type: 'button', class: 'link', dataset: { entry: g.entryId }, onclick: () => pick(g.lon, g.lat) }, g.address),
      h('small', null, ' · ', t('cases.candidateScore', { score: Math.round(g.score * 100) }), ' · ', g.gridCode ?? t('cases.candidateNoGrid'), ' · ', g.why)))));
  const title = c.lon === null || c.lon === undefined ? t('cases.placeTitle') : c.gridCode === null ? t('cases.noGridTitle') : t('cases.nobodyTitle');
  return h('section', { id: 'case-place', class: 'case-actions' }, h('h3', null, title),
    c.queueReason ? h('p', { class: 'notice' }, c.queueReason) : null,
    candidateList, picked, h('div', { class: 'actions' }, confirm),
    h('div', { class: 'inline' }, h('label', null, t('cases.dispatchTo'), grid),
      h('button', { type: 'button', id: 'place-dispatch', onclick: () => grid.value.trim() && act(`/api/cases/${encodeURIComponent(c.caseId)}/dispatch`, { gridCode: grid.value.trim() }) }, t('caseAction.Dispatch'))),
    // 指派: a squad (its leader), or one of its officers, named by the command center whatever the grid's posts say.
    h('div', { class: 'inline' }, h('label', null, t('cases.assignTo'), squad), h('label', null, t('cases.officer'), officer),
      h('button', { type: 'button', id: 'assign-dispatch', onclick: () => squad.value.trim()
        && act(`/api/cases/${encodeURIComponent(c.caseId)}/dispatch`, { squadId: squad.value.trim(), officerId: officer.value.trim() || null }) }, t('cases.assign'))),
    status);
}

/** The case's photos as thumbnails (fetched with the credential, shown from blob URLs); a click opens the photo. */
function photoStrip(photos, urls) {
  if (!photos.length) return h('p', { id: 'case-photos', class: 'hint' }, t('cases.noPhotos'));
  const strip = h('div', { id: 'case-photos', class: 'photos' });
  for (const p of photos) {
    const img = h('img', { alt: t(`photo.${p.stage}`), loading: 'lazy', dataset: { stage: p.stage, id: p.id } });
    const link = h('a', { href: '#', onclick: async e => { e.preventDefault(); window.open(await blobUrl(p.url, urls), '_blank', 'noopener'); } }, img);
    strip.append(h('figure', null, link, h('figcaption', null, t(`photo.${p.stage}`), p.public ? ` · ${t('photo.public')}` : '', ' · ', p.actorId ?? '',
      p.metresFromCase !== null && p.metresFromCase !== undefined ? h('small', { class: p.metresFromCase > 200 ? 'error' : null }, ' · ', t('photo.away', { m: formatNumber(p.metresFromCase) })) : null)));
    blobUrl(p.thumbnailUrl, urls).then(url => { img.src = url; }).catch(() => { img.alt = t('photo.unavailable'); });
  }
  return h('div', null, h('h3', null, t('cases.photos')), strip);
}

async function blobUrl(path, urls) {
  const response = await api(path, { raw: true });
  if (!response.ok) throw new ApiError(response.status, response.statusText);
  const url = URL.createObjectURL(await response.blob());
  urls.push(url);
  return url;
}

/** The actions the caller may take, one button each, with a note and photos taken before or after handling. */
function actionForm(c, actions, me, refresh) {
  const note = h('textarea', { id: 'action-note', rows: 2, placeholder: t('cases.notePlaceholder') });
  const files = h('input', { type: 'file', id: 'action-photos', accept: 'image/*', multiple: true, capture: 'environment' });
  const stage = h('select', { id: 'action-photo-stage', 'aria-label': t('photo.stage') },
    ['before', 'after'].map(s => h('option', { value: s, selected: s === (c.state === 'Handling' ? 'after' : 'before') }, t(`photo.${s}`))));
  const isPublic = h('input', { type: 'checkbox', id: 'action-photo-public' });
  const deadline = h('input', { type: 'datetime-local', id: 'action-deadline' });
  const status = h('p', { id: 'action-status', role: 'status' });
  const pendingBox = h('div', { id: 'action-pending' });
  const send = async (action) => {
    if (NEEDS_REASON.has(action) && !note.value.trim()) {
      status.className = 'error';
      status.textContent = t('cases.needsReason', { action: tWord('caseAction', action) });
      note.focus();
      return;
    }
    for (const b of buttons) b.disabled = true;
    status.className = '';
    status.textContent = t('cases.sending');
    // The attempt's own key: sent again, it is the same request, and the server applies it once.
    const attempt = { caseId: c.caseId, action, note: note.value.trim() || null, evidence: [], key: newKey(),
      newDeadline: action === 'RequestExtension' && deadline.value ? new Date(deadline.value).toISOString() : null };
    try {
      for (const file of files.files) {
        status.textContent = t('photo.uploading', { name: file.name });
        const stored = await api('/api/media', { method: 'POST', body: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } });
        attempt.evidence.push(`photo:${stage.value}:${stored.id}${isPublic.checked ? ':public' : ''}`);
      }
      await submit(attempt);
      await refresh();
    } catch (e) {
      if (e instanceof ApiError) {
        status.className = 'error';
        status.textContent = e.message;
      } else {
        // No answer (a dropped connection): kept, to be sent again; the photos already stored are named by id.
        keep(attempt);
        status.className = 'error';
        status.textContent = t('cases.kept');
        showPending(pendingBox, c.caseId, refresh);
      }
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  };
  const buttons = actions.map(a => h('button', { type: 'button', class: 'primary', dataset: { action: a }, onclick: () => send(a) }, tWord('caseAction', a)));
  const field = me.role === 'Officer';
  const form = h('section', { id: 'case-actions', class: 'case-actions' },
    h('h3', null, t('cases.actions')),
    h('label', null, t('cases.note'), note),
    field || me.role === 'Dispatcher' ? h('div', { class: 'inline' }, h('label', null, t('photo.add'), files), h('label', null, t('photo.stage'), stage),
      h('label', { class: 'check' }, isPublic, ' ', t('photo.markPublic'))) : null,
    actions.includes('RequestExtension') ? h('label', null, t('cases.newDeadline'), deadline) : null,
    h('div', { class: 'actions' }, buttons), status, pendingBox);
  showPending(pendingBox, c.caseId, refresh);
  return form;
}

async function submit(attempt) {
  await api(`/api/cases/${encodeURIComponent(attempt.caseId)}/actions`, { method: 'POST', headers: { 'Idempotency-Key': attempt.key },
    body: { action: attempt.action, note: attempt.note, evidence: attempt.evidence, newDeadline: attempt.newDeadline } });
  forget(attempt);
}

/** 128 random bits as hex (crypto.getRandomValues works on plain http too, where randomUUID does not). */
function newKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, '0')).join('');
}

function pending() { try { return JSON.parse(sessionStorage.getItem(PENDING) ?? '[]'); } catch { return []; } }
function keep(attempt) { sessionStorage.setItem(PENDING, JSON.stringify([...pending().filter(p => !same(p, attempt)), attempt])); }
function forget(attempt) { sessionStorage.setItem(PENDING, JSON.stringify(pending().filter(p => !same(p, attempt)))); }
const same = (a, b) => a.key === b.key;

/** Actions of this case kept after a failed send, each with a button to send it again. */
function showPending(box, caseId, refresh) {
  const mine = pending().filter(p => p.caseId === caseId);
  replace(box, mine.map(p => h('p', { class: 'notice' }, t('cases.pending', { action: tWord('caseAction', p.action) }), ' ',
    h('button', { type: 'button', class: 'retry', dataset: { action: p.action }, onclick: async () => {
      try {
        await submit(p);
      } catch (e) {
        // Refused now (the case moved on meanwhile): the server's word is final; forget it. (A first attempt that did
        // arrive is not refused: its key finds it, and the case as it stands answers.)
        if (!(e instanceof ApiError)) return;
        forget(p);
        replace(box, h('p', { class: 'error', role: 'alert' }, e.message));
        return;
      }
      await refresh();
    } }, t('cases.retry')))));
}
