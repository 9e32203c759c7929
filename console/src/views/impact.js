// What a grid change would do, shown on the map and in the panel: the ground that changes hands coloured by the grid
// it goes to, its area, the open cases that would move, and the verdict (a refusal's reasons, the grids it names
// outlined, and the findings that have a place drawn: overlaps, invalid rings, gaps). Shared by redraw, split, merge
// and upload.
import { h, table } from '../dom.js';
import { formatArea, t } from '../i18n.js';
import { geoToMap } from '../geo/display.js';
import { clearOverlay, colourFor, showOverlay } from '../layers/overlays.js';
import { setGridState } from '../layers/grids.js';
import { flyToBbox } from '../mapview.js';
import { bboxOf } from './card.js';

export const IMPACT = 'impact';
export const FINDINGS = 'findings';
const ERROR_COLOUR = '#d7191c';
const WARNING_COLOUR = '#fdae61';
let named = [];

/** Draws an accepted change's answer; returns the panel part. */
export function showImpact(map, answer) {
  clearNamed(map);
  const findings = showFindings(map, answer.findings);
  const features = answer.transfers.map(tr => ({ type: 'Feature', geometry: tr.geometry,
    properties: { colour: colourFor(tr.toGrid ?? 'none'), label: `${tr.fromGrid ?? '—'} → ${tr.toGrid ?? '—'}` } }));
  showOverlay(map, IMPACT, geoToMap({ type: 'FeatureCollection', features }), { fillOpacity: 0.6 });
  const noGrid = t('redraw.noGrid');
  return h('div', { id: 'impact', class: 'impact' },
    h('p', { class: 'ok', id: 'verdict' }, answer.dryRun ? t('redraw.verdictOk') : t('redraw.applied', { version: '', revision: answer.revision })),
    answer.warnings?.length ? h('ul', { class: 'warnings' }, answer.warnings.map(w => h('li', null, w))) : null,
    findings,
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
  const findings = showFindings(map, error.problem?.findings);
  return h('div', { id: 'impact', class: 'impact' },
    h('p', { class: 'error', id: 'verdict', role: 'alert' }, `${t('redraw.refused')}: ${error.title}`),
    h('ul', { id: 'refusal-reasons' }, errors.map(e => h('li', null, e))),
    findings);
}

/**
 * Draws the findings that have a place (the server's `findings`: an overlap's shared ground, an invalid boundary's
 * rings and the point where it fails, a gap's hole) — errors red, warnings orange — and returns their list, each
 * with a button that shows it on the map; null when there are none.
 */
export function showFindings(map, findings) {
  clearOverlay(map, FINDINGS);
  if (!findings?.length) return null;
  const features = findings.map((f, i) => ({ type: 'Feature', geometry: f.geometry,
    properties: { fid: i, colour: f.isError ? ERROR_COLOUR : WARNING_COLOUR, label: f.otherCode ? `${f.code} ∩ ${f.otherCode}` : (f.code ?? f.kind) } }));
  showOverlay(map, FINDINGS, geoToMap({ type: 'FeatureCollection', features }), { fillOpacity: 0.7, lineWidth: 3 });
  const locate = (geometries) => flyToBbox(bboxOf({ coordinates: geometries.map(coordinatesOf) }), 19);
  const list = h('div', { class: 'findings' },
    h('h4', null, t('findings.title', { count: findings.length })),
    h('ul', { id: 'findings' }, findings.map(f => h('li', { dataset: { kind: f.kind, code: f.code ?? '', other: f.otherCode ?? '' }, class: f.isError ? 'error' : 'warning' },
      h('span', { class: 'swatch', dataset: { colour: f.isError ? ERROR_COLOUR : WARNING_COLOUR } }), ' ',
      t(`findings.${f.kind}`), f.otherCode ? ` ${f.code} ∩ ${f.otherCode}` : (f.code ? ` ${f.code}` : ''), ' ',
      h('button', { type: 'button', class: 'link', onclick: () => locate([f.geometry]) }, t('findings.locate'))))),
    h('button', { type: 'button', id: 'findings-all', onclick: () => locate(findings.map(f => f.geometry)) }, t('findings.locateAll')));
  paintSwatches(list);
  return list;
}

function coordinatesOf(geometry) {
  return geometry.type === 'GeometryCollection' ? geometry.geometries.map(coordinatesOf) : geometry.coordinates;
}

export function clearImpact(map) {
  clearOverlay(map, IMPACT);
  clearOverlay(map, FINDINGS);
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
