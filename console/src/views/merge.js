// Merging neighbouring grids: shift-click them on the map, name the merged grid (one of theirs keeps its people),
// preview, merge.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { getMap, onGridClick, refreshGrids } from '../mapview.js';
import { setGridState } from '../layers/grids.js';
import { clearImpact, paintSwatches, showImpact, showRefusal } from './impact.js';

export async function render(panel, codes) {
  const map = getMap();
  const selected = new Set(codes.split(',').filter(Boolean));
  const into = h('input', { id: 'merge-into', value: [...selected][0] ?? '' });
  const list = h('p', { id: 'merge-selected' });
  const result = h('div', { id: 'result' });
  const show = () => {
    list.textContent = t('merge.selected', { codes: [...selected].join(', ') });
    for (const c of selected) setGridState(map, c, { selected: true });
    if (!into.value && selected.size) into.value = [...selected][0];
  };
  const off = onGridClick((code, e) => {
    if (!e.originalEvent.shiftKey && selected.size) return;
    if (selected.has(code)) { selected.delete(code); setGridState(map, code, { selected: false }); } else selected.add(code);
    show();
  });
  const submit = async (dryRun) => {
    try {
      const answer = await api('/api/grids/merge', { method: 'POST', query: dryRun ? { dryRun: true } : {}, body: { codes: [...selected], into: { code: into.value.trim() } } });
      replace(result, showImpact(map, answer));
      paintSwatches(result);
      if (!dryRun) await refreshGrids(answer.revision);
    } catch (err) { replace(result, showRefusal(map, err)); }
  };
  panel.append(h('h2', null, t('merge.title')), h('p', { class: 'hint' }, t('merge.help')), list, h('label', null, t('merge.into'), into),
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'merge-preview', class: 'primary', onclick: () => submit(true) }, t('redraw.preview')),
      h('button', { type: 'button', id: 'merge-apply', onclick: () => submit(false) }, t('merge.submit'))), result);
  show();
  return () => { off(); for (const c of selected) setGridState(map, c, { selected: false }); clearImpact(map); };
}
