// Duty modules as every silo reports them (state, matters, errors), and their reference data sets: drawn on the map,
// imported from a file (checked first; a refusal lists every bad record).
import { api } from '../api.js';
import { h, replace, table } from '../dom.js';
import { t } from '../i18n.js';
import { flyToBbox, getMap } from '../mapview.js';
import { geoToMap } from '../geo/display.js';
import { clearOverlay, colourFor, showOverlay } from '../layers/overlays.js';
import { bboxOf } from './card.js';
import { packagesSection } from './packages.js';

const REF = 'reference';

export async function render(panel, _params, { me }) {
  panel.classList.add('wide');
  panel.append(await packagesSection({ me }));
  const map = getMap();
  const plugins = await api('/api/plugins');
  const modules = plugins.modules ?? plugins.silo?.modules ?? [];
  const operator = me.role === 'Operator';
  panel.prepend(h('h2', null, t('mod.title')));
  panel.append(h('h3', null, t('mod.loaded')),
    modules.length ? table(['', t('mod.state'), t('mod.matters'), t('mod.errors')], modules.map(m => [
      `${m.name ?? m.folder} ${m.version ?? ''}`, m.state ?? '', (m.matters ?? []).map(x => x.code ?? x).join(', '), (m.errors ?? (m.lastError ? [m.lastError] : [])).join('; ')]), { id: 'modules-table' })
      : h('p', null, t('mod.none')),
    h('details', null, h('summary', null, 'JSON'), h('pre', { class: 'json' }, JSON.stringify(plugins, null, 2))));
  const sets = await api('/api/reference').catch(() => []);
  const list = Array.isArray(sets) ? sets : sets.sets ?? [];
  const error = h('p', { class: 'error', role: 'alert' });
  const report = h('div', { id: 'reference-report' });
  panel.append(h('h3', null, t('mod.reference')),
    table(['', '', ''], list.map(s => {
      const name = s.name ?? s.set;
      const file = h('input', { type: 'file', accept: '.geojson,.json,.csv', dataset: { set: name } });
      const label = h('span', { class: 'set-label' });
      const showCount = (count) => { label.textContent = `${name} (${count} ${t('mod.records')})`; };
      showCount(s.served?.records ?? s.count ?? 0);
      const send = async (dryRun) => {
        const chosen = file.files?.[0];
        if (!chosen) return;
        const csv = /\.csv$/i.test(chosen.name);
        try {
          const answer = await api(`/api/reference/${encodeURIComponent(name)}`, { method: 'PUT', query: dryRun ? { dryRun: true } : {}, body: new Blob([await chosen.arrayBuffer()]), headers: { 'Content-Type': csv ? 'text/csv' : 'application/geo+json' } });
          replace(report, h('p', { class: 'ok' }, t(dryRun ? 'mod.checkOk' : 'mod.importOk', { count: answer.count ?? answer.records ?? '' })));
          // An import replaces the set (PUT): it now holds what was imported.
          if (!dryRun && typeof (answer.count ?? answer.records) === 'number') showCount(answer.count ?? answer.records);
        } catch (e) {
          replace(report, h('p', { class: 'error' }, e.title), h('ul', null, (e.problem?.errors ?? [e.detail ?? e.message]).map(x => h('li', null, typeof x === 'string' ? x : JSON.stringify(x)))));
        }
      };
      return [label,
        h('button', { type: 'button', onclick: () => showSet(map, name).catch(e => { error.textContent = e.message; }) }, t('mod.show')),
        operator ? h('span', null, file, h('button', { type: 'button', onclick: () => send(true) }, t('mod.dryRun')), h('button', { type: 'button', onclick: () => send(false) }, t('mod.import'))) : ''];
    }), { id: 'reference-table' }), report, error);
  return () => { panel.classList.remove('wide'); clearOverlay(map, REF); };
}

async function showSet(map, name) {
  const records = await api(`/api/reference/${encodeURIComponent(name)}`);
  const features = (records.features ?? []).filter(f => f.geometry).map(f => ({ ...f, properties: { ...f.properties, colour: colourFor(name) } }));
  showOverlay(map, REF, geoToMap({ type: 'FeatureCollection', features }), { fillOpacity: 0.4 });
  if (features.length) flyToBbox(bboxOf({ coordinates: features.map(f => f.geometry.coordinates) }), 17);
}
