// What a grid change would do, shown on the map and in the panel: the ground that changes hands coloured by the grid
// it goes to, its area, the open cases that would move, and the verdict (a refusal's reasons, the grids it names
// outlined). Shared by redraw, split, merge and upload.
import { h, table } from '../dom.js';
import { formatArea, t } from '../i18n.js';
import { geoToMap } from '../geo/display.js';
import { clearOverlay, colourFor, showOverlay } from '../layers/overlays.js';
import { setGridState } from '../layers/grids.js';

export const IMPACT = 'impact';
let named = [];

/** Draws an accepted change's answer; returns the panel part. */
export function showImpact(map, answer) {
  clearNamed(map);
  const features = answer.transfers.map(tr => ({ type: 'Feature', geometry: tr.geometry,
    properties: { colour: colourFor(tr.toGrid ?? 'none'), label: `${tr.fromGrid ?? '—'} → ${tr.toGrid ?? '—'}` } }));
  showOverlay(map, IMPACT, geoToMap({ type: 'FeatureCollection', features }), { fillOpacity: 0.6 });
  const noGrid = t('redraw.noGrid');
  return h('div', { id: 'impact', class: 'impact' },
    h('p', { class: 'ok', id: 'verdict' }, answer.dryRun ? t('redraw.verdictOk') : t('redraw.applied', { version: '', revision: answer.revision })),
    answer.warnings?.length ? h('ul', { class: 'warnings' }, answer.warnings.map(w => h('li', null, w))) : null,
    h('h4', null, t('redraw.transfers')),
    answer.transfers.length
      ? table(['', t('redraw.from'), t('redraw.to'), t('card.area')], answer.transfers.map(tr => [
        h('span', { class: 'swatch', style: null, dataset: { colour: colourFor(tr.toGrid ?? 'none') } }), tr.fromGrid ?? noGrid, tr.toGrid ?? noGrid, formatArea(tr.areaM2)]), { id: 'transfers' })
      : h('p', null, t('redraw.noTransfers')),
    answer.cases.length ? [h('h4', null, t('redraw.cases')), table([t('redraw.case'), t('redraw.from'), t('redraw.to'), t('redraw.state'), t('redraw.outcome')],
      answer.cases.map(c => [c.caseId, c.fromGrid ?? noGrid, c.toGrid ?? noGrid, c.state, c.outcome ?? '']), { id: 'moved-cases' })] : null);
}

/** Draws a refusal: its reasons listed, the grids they name outlined on the map. */
export function showRefusal(map, error) {
  clearOverlay(map, IMPACT);
  clearNamed(map);
  const errors = error.problem?.errors ?? [error.detail ?? error.message];
  named = [...new Set(errors.flatMap(e => [...e.matchAll(/grid '([^']+)'/g)].map(m => m[1])))];
  for (const code of named) setGridState(map, code, { selected: true });
  return h('div', { id: 'impact', class: 'impact' },
    h('p', { class: 'error', id: 'verdict', role: 'alert' }, `${t('redraw.refused')}: ${error.title}`),
    h('ul', { id: 'refusal-reasons' }, errors.map(e => h('li', null, e))));
}

export function clearImpact(map) {
  clearOverlay(map, IMPACT);
  clearNamed(map);
}

function clearNamed(map) {
  for (const code of named) setGridState(map, code, { selected: false });
  named = [];
}

/** Colours the swatches drawn by showImpact (CSP forbids inline style attributes; CSSOM is allowed). */
export function paintSwatches(root) {
  for (const el of root.querySelectorAll('.swatch[data-colour]')) el.style.background = el.dataset.colour;
}
