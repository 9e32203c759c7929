// A grid's card: code and its hierarchy, area, boundary version, squad, A/B officers, liaisons, open cases, and the
// ways on from it (history; redraw, split, merge and people for operators).
import { api } from '../api.js';
import { h, table } from '../dom.js';
import { formatArea, formatDateTime, t } from '../i18n.js';
import { flyToBbox, focusGrid, onGridClick } from '../mapview.js';
import { tools } from './map.js';

export async function render(panel, code, { me }) {
  panel.append(tools());
  const body = h('article', { class: 'card', id: 'grid-card', 'aria-label': t('card.title') }, h('p', null, t('common.loading')));
  panel.append(body);
  const off = onGridClick(c => { location.hash = `#/grids/${encodeURIComponent(c)}`; });
  const [feature, people] = await Promise.all([api(`/api/grids/${encodeURIComponent(code)}`), api(`/api/grids/${encodeURIComponent(code)}/responsibility`)]);
  // Left for another page while the server answered: that page owns the panel and the map now.
  if (!panel.isConnected) { off(); return null; }
  const p = feature.properties;
  focusGrid(code);
  const bbox = bboxOf(feature.geometry);
  flyToBbox(bbox);
  const views = new Set(me.console.views);
  const none = t('card.none');
  const link = (href, label, id) => h('a', { href, class: 'button', id }, label);
  body.replaceChildren(
    h('h3', null, p.name, ' ', h('code', { id: 'card-code' }, p.code)),
    table([t('card.code'), p.code], [
      [t('card.street'), `${p.street_name ?? none} (${p.street_code ?? none})`],
      [t('card.community'), `${p.community_name ?? none} (${p.community_code ?? none})`],
      [t('card.area'), formatArea(p.area_m2)],
      [t('card.version'), String(people.boundaryVersion ?? p.version)],
      [t('card.validFrom'), formatDateTime(p.valid_from)],
      [t('card.squad'), people.squadId ?? none],
      [t('card.officerA'), people.officerA ?? none],
      [t('card.officerB'), people.officerB ?? none],
      [t('card.liaisons'), people.liaisons?.length ? people.liaisons.join(', ') : none],
      [t('card.openCases'), people.openCases?.length ? people.openCases.join(', ') : '0'],
    ], { class: 'facts' }),
    h('div', { class: 'actions' },
      views.has('history') ? link(`#/grids/${encodeURIComponent(code)}/history`, t('card.history'), 'card-history') : null,
      views.has('redraw') ? link(`#/grids/${encodeURIComponent(code)}/redraw`, t('card.redraw'), 'card-redraw') : null,
      views.has('redraw') ? link(`#/grids/${encodeURIComponent(code)}/split`, t('card.split'), 'card-split') : null,
      views.has('redraw') ? link(`#/merge/${encodeURIComponent(code)}`, t('card.merge'), 'card-merge') : null,
      views.has('people') ? link(`#/people/bulk/${encodeURIComponent(code)}`, t('card.staff'), 'card-staff') : null,
      link('#/map', t('card.close'))));
  return () => { off(); focusGrid(null); };
}

export function bboxOf(geometry) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = c => {
    if (typeof c[0] === 'number') { b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]); b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]); } else c.forEach(walk);
  };
  walk(geometry.coordinates);
  return b;
}
