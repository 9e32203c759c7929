// Redrawing a grid's boundary on the map: drag vertices (snapped to the neighbours' vertices and edges), add one at an
// edge's midpoint, delete one with a right-click, undo; preview the impact (?dryRun=true), then apply, with or without
// moving the open cases. A vertex the grid shares with neighbours moves theirs with it (unless unticked), so a shared
// border moves as one and ground changes hands without a gap or an overlap: the change then holds those neighbours
// too (POST /api/grids); a grid redrawn alone goes to PUT /api/grids/{code}.
import * as maplibregl from 'maplibre-gl';
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { flyToBbox, focusGrid, getMap, refreshGrids } from '../mapview.js';
import { geoFromMap, geoToMap } from '../geo/display.js';
import { snap } from '../geo/snap.js';
import { clearOverlay, showOverlay } from '../layers/overlays.js';
import { bboxOf } from './card.js';
import { clearImpact, paintSwatches, showImpact, showRefusal } from './impact.js';

const EDIT = 'edit';
const SNAP_PX = 12;

export async function render(panel, code) {
  const map = getMap();
  const feature = await api(`/api/grids/${encodeURIComponent(code)}`);
  const bbox = bboxOf(feature.geometry);
  flyToBbox(bbox, 18);
  focusGrid(code);
  const pad = 0.002;
  const around = await api('/api/grids', { query: { bbox: [bbox[0] - pad, bbox[1] - pad, bbox[2] + pad, bbox[3] + pad].map(v => v.toFixed(7)).join(',') } });
  // Neighbours as editable features: each polygon's rings, closed, in the map's system.
  const neighbours = geoToMap(around).features.filter(f => f.properties.code !== code).map(f => ({
    properties: f.properties, polygons: (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates).map(p => p.map(r => r.map(c => [...c]))),
    multi: f.geometry.type === 'MultiPolygon', moved: false }));
  const originalNeighbours = JSON.stringify(neighbours.map(n => n.polygons));
  const follow = h('input', { type: 'checkbox', id: 'move-shared', checked: true });

  // The edited ring is the first polygon's exterior, open (no repeated first point), in the map's system.
  const shown = geoToMap(feature.geometry);
  const polygons = shown.type === 'Polygon' ? [shown.coordinates] : shown.coordinates;
  const original = polygons[0][0].slice(0, -1).map(p => [...p]);
  let ring = original.map(p => [...p]);
  const undo = [];
  let dragging = -1;
  let links = [];
  let lastSnap = null;

  const status = h('p', { id: 'edit-status', class: 'hint' });
  const result = h('div', { id: 'result' });
  const geometry = () => {
    const closed = [...ring, ring[0]];
    const rest = polygons[0].slice(1);
    const first = [closed, ...rest];
    return geoFromMap(polygons.length === 1 ? { type: 'Polygon', coordinates: first } : { type: 'MultiPolygon', coordinates: [first, ...polygons.slice(1)] });
  };
  const draw = () => {
    const closed = [...ring, ring[0]];
    const features = [{ type: 'Feature', geometry: { type: 'Polygon', coordinates: [closed] }, properties: { colour: '#ff7f00' } }];
    for (const n of neighbours.filter(x => x.moved)) {
      features.push({ type: 'Feature', geometry: { type: 'MultiPolygon', coordinates: n.polygons }, properties: { colour: '#6a3d9a' } });
    }
    showOverlay(map, EDIT, { type: 'FeatureCollection', features }, { fillOpacity: 0.25, lineWidth: 2.5 });
    placeHandles();
    status.textContent = t('redraw.vertices', { count: ring.length }) + (lastSnap ? ` · ${t('redraw.snapped')} (${lastSnap})` : '');
    document.getElementById('map').dataset.vertices = String(ring.length);
  };
  const changed = () => { clearImpact(map); replace(result); draw(); };
  const remember = () => { undo.push({ ring: ring.map(p => [...p]), neighbours: JSON.stringify(neighbours.map(n => [n.polygons, n.moved])) }); };
  const restore = (state) => {
    ring = state.ring;
    JSON.parse(state.neighbours).forEach(([polygons, moved], i) => { neighbours[i].polygons = polygons; neighbours[i].moved = moved; });
  };

  // Snap targets: the neighbours' rings broken at the vertices that move with the drag (they are not targets).
  const screenRings = () => {
    const moving = new Set(links.map(l => l.key));
    const runs = [];
    neighbours.forEach((n, ni) => n.polygons.forEach((poly, pi) => poly.forEach((r, ri) => {
      let run = [];
      r.forEach((p, vi) => {
        if (moving.has(`${ni}/${pi}/${ri}/${vi}`)) { if (run.length) runs.push(run); run = []; return; }
        const s = map.project(p);
        run.push([s.x, s.y]);
      });
      if (run.length) runs.push(run);
    })));
    return runs;
  };
  const linksAt = (p, always = false) => {
    const found = [];
    if (!follow.checked && !always) return found;
    neighbours.forEach((n, ni) => n.polygons.forEach((poly, pi) => poly.forEach((r, ri) => r.forEach((q, vi) => {
      if (q[0] === p[0] && q[1] === p[1]) found.push({ ni, pi, ri, vi, key: `${ni}/${pi}/${ri}/${vi}` });
    }))));
    return found;
  };
  // Handles are DOM markers: a person (and a test) finds, drags and right-clicks them like any element. A vertex
  // shared with neighbours is marked, and says with how many.
  let handles = [];
  const placeHandles = () => {
    if (dragging >= 0 && handles.length === ring.length * 2) {
      handles[dragging].setLngLat(ring[dragging]);
      for (const i of [dragging - 1 < 0 ? ring.length - 1 : dragging - 1, dragging]) handles[ring.length + i].setLngLat(midpoint(i));
      return;
    }
    for (const m of handles) m.remove();
    handles = [];
    ring.forEach((p, i) => {
      const shared = linksAt(p, true).length;
      const el = h('div', { class: `vertex${shared ? ' shared' : ''}`, role: 'button', 'aria-label': `vertex ${i}`, dataset: { index: i, shared } });
      el.addEventListener('mousedown', (e) => startDrag(e, i));
      el.addEventListener('contextmenu', (e) => { e.preventDefault(); e.stopPropagation(); removeVertex(i); });
      handles.push(new maplibregl.Marker({ element: el }).setLngLat(p).addTo(map));
    });
    ring.forEach((p, i) => {
      const el = h('div', { class: 'midpoint', role: 'button', 'aria-label': `add vertex after ${i}`, dataset: { index: i } });
      el.addEventListener('mousedown', (e) => e.stopPropagation());
      el.addEventListener('click', (e) => { e.stopPropagation(); addVertex(i); });
      handles.push(new maplibregl.Marker({ element: el }).setLngLat(midpoint(i)).addTo(map));
    });
  };
  const midpoint = (i) => { const p = ring[i], q = ring[(i + 1) % ring.length]; return [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2]; };
  const pixelOf = (e) => { const r = map.getCanvasContainer().getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  const startDrag = (e, i) => {
    if (e.button !== 0) return;
    e.preventDefault();
    e.stopPropagation();
    remember();
    dragging = i;
    links = linksAt(ring[i]);
    window.addEventListener('mousemove', onMove);
    window.addEventListener('mouseup', onUp, { once: true });
  };
  const onMove = (e) => {
    const s = snap(pixelOf(e), screenRings(), SNAP_PX);
    lastSnap = s.kind;
    const p = map.unproject(s.point);
    ring[dragging] = [p.lng, p.lat];
    for (const l of links) {
      neighbours[l.ni].polygons[l.pi][l.ri][l.vi] = [p.lng, p.lat];
      neighbours[l.ni].moved = true;
    }
    draw();
  };
  const onUp = () => {
    window.removeEventListener('mousemove', onMove);
    dragging = -1;
    links = [];
    changed();
  };
  const addVertex = (i) => { remember(); ring.splice(i + 1, 0, midpoint(i)); changed(); };
  const removeVertex = (i) => { if (ring.length <= 3) return; remember(); ring.splice(i, 1); changed(); };

  const keep = ['code', 'name', 'street_code', 'street_name', 'community_code', 'community_name'];
  const properties = p => Object.fromEntries(keep.filter(k => p[k] !== undefined && p[k] !== null).map(k => [k, p[k]]));
  const submit = async (query) => {
    replace(result, h('p', null, t('common.loading')));
    try {
      const moved = neighbours.filter(n => n.moved);
      const self = { type: 'Feature', geometry: geometry(), properties: properties(feature.properties) };
      const answer = moved.length === 0
        ? await api(`/api/grids/${encodeURIComponent(code)}`, { method: 'PUT', query, body: self })
        : await api('/api/grids', { method: 'POST', query, body: { type: 'FeatureCollection', features: [self, ...moved.map(n => ({ type: 'Feature', properties: properties(n.properties),
          geometry: geoFromMap(n.multi ? { type: 'MultiPolygon', coordinates: n.polygons } : { type: 'Polygon', coordinates: n.polygons[0] }) }))] } });
      replace(result, showImpact(map, answer));
      paintSwatches(result);
      if (!answer.dryRun) {
        undo.length = 0;
        clearOverlay(map, EDIT);
        await refreshGrids(answer.revision);
        result.prepend(h('p', { class: 'ok', id: 'applied' }, t('redraw.applied', { version: '', revision: answer.revision })));
      }
    } catch (err) {
      replace(result, showRefusal(map, err));
    }
  };
  const button = (id, label, onclick, cls) => h('button', { type: 'button', id, onclick, class: cls }, label);
  panel.append(h('h2', null, t('redraw.title', { code })), h('p', { class: 'hint' }, t('redraw.help')),
    h('label', null, follow, ' ', t('redraw.moveShared')), status,
    h('div', { class: 'actions' },
      button('undo', t('redraw.undo'), () => { if (undo.length) { restore(undo.pop()); changed(); } }),
      button('reset', t('redraw.reset'), () => {
        remember();
        ring = original.map(p => [...p]);
        JSON.parse(originalNeighbours).forEach((polygons, i) => { neighbours[i].polygons = polygons; neighbours[i].moved = false; });
        changed();
      }),
      button('preview', t('redraw.preview'), () => submit({ dryRun: true }), 'primary'),
      button('apply', t('redraw.apply'), () => submit({})),
      button('apply-move', t('redraw.applyMove'), () => submit({ rerouteOpenCases: true })),
      h('a', { href: `#/grids/${encodeURIComponent(code)}`, class: 'button' }, t('redraw.cancel'))),
    result);
  draw();
  // For tests and keyboard users alike: the vertex positions, in WGS84, as the API will get them.
  map.getContainer().dataset.editing = code;
  return () => {
    window.removeEventListener('mousemove', onMove);
    for (const m of handles) m.remove();
    clearOverlay(map, EDIT);
    clearImpact(map);
    focusGrid(null);
    delete map.getContainer().dataset.editing;
  };
}
