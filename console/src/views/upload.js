// Importing a grid file: GeoJSON or a zipped Shapefile (with its CRS and encoding), checked first (dryRun) with the
// findings listed and drawn where they are (the server's findings: overlaps, invalid rings, gaps — the same for both
// kinds of file, since the browser does not read a zip); a GeoJSON file's features are drawn too, those the findings
// name in red. Then imported.
import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t } from '../i18n.js';
import { flyToBbox, getMap, refreshGrids } from '../mapview.js';
import { geoToMap } from '../geo/display.js';
import { clearOverlay, showOverlay } from '../layers/overlays.js';
import { bboxOf } from './card.js';
import { clearImpact, paintSwatches, showFindings, showImpact } from './impact.js';

const FILE = 'upload-file';

export async function render(panel) {
  const map = getMap();
  const file = h('input', { type: 'file', id: 'upload-file', accept: '.geojson,.json,.zip' });
  const srs = h('input', { id: 'upload-srs', placeholder: 'EPSG:4549' });
  const encoding = h('input', { id: 'upload-encoding', placeholder: 'GBK' });
  const mode = h('select', { id: 'upload-mode' }, h('option', { value: 'merge' }, t('upload.merge')), h('option', { value: 'replace' }, t('upload.replace')));
  const result = h('div', { id: 'result' });
  let collection = null;

  const send = async (dryRun) => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    const zip = /\.zip$/i.test(chosen.name);
    const bytes = await chosen.arrayBuffer();
    collection = null;
    if (!zip) {
      try { collection = JSON.parse(new TextDecoder().decode(bytes)); } catch { collection = null; }
    }
    const query = { dryRun: dryRun || undefined, mode: mode.value === 'replace' ? 'replace' : undefined };
    if (zip) { query.srs = srs.value.trim() || undefined; query.encoding = encoding.value.trim() || undefined; }
    replace(result, h('p', null, t('common.loading')));
    try {
      const answer = await api('/api/grids', { method: 'POST', query, body: new Blob([bytes], { type: zip ? 'application/zip' : 'application/geo+json' }), headers: { 'Content-Type': zip ? 'application/zip' : 'application/geo+json' } });
      drawFile(map, collection, []);
      const summary = dryRun
        ? t('upload.ok', { added: answer.added, changed: answer.changed, unchanged: answer.unchanged, retired: answer.retired.length })
        : t('upload.imported', { added: answer.added, changed: answer.changed });
      replace(result, h('p', { class: 'ok', id: 'upload-verdict' }, summary), showImpact(map, answer));
      paintSwatches(result);
      if (!dryRun) { clearOverlay(map, FILE); await refreshGrids(answer.revision); }
    } catch (err) {
      const errors = err.problem?.errors ?? [err.detail ?? err.message];
      const bad = new Set(errors.flatMap(e => [...e.matchAll(/feature (\d+)/g)].map(m => Number(m[1]))));
      drawFile(map, collection, bad);
      const findings = showFindings(map, err.problem?.findings);
      replace(result, h('p', { class: 'error', id: 'upload-verdict', role: 'alert' }, `${t('upload.refused')}: ${err.title}`),
        h('h4', null, t('upload.issues')), h('ol', { id: 'upload-issues', start: 1 }, errors.map(e => h('li', null, e))), findings);
      paintSwatches(result);
      // A zip's features are not drawn (the browser does not read it): the view goes to what was found instead.
      if (zip) result.querySelector('#findings-all')?.click();
    }
  };
  panel.append(h('h2', null, t('upload.title')), h('p', { class: 'hint' }, t('upload.help')),
    h('form', { class: 'form', onsubmit: (e) => e.preventDefault() },
      h('label', null, t('upload.file'), file), h('label', null, t('upload.srs'), srs), h('label', null, t('upload.encoding'), encoding), h('label', null, t('upload.mode'), mode),
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'upload-check', class: 'primary', onclick: () => send(true) }, t('upload.check')),
        h('button', { type: 'button', id: 'upload-import', onclick: () => send(false) }, t('upload.import')))),
    result);
  return () => { clearOverlay(map, FILE); clearImpact(map); };
}

/** The file's features in grey, those the findings name in red (a GeoJSON file in WGS84 only: a zip stays unread here). */
function drawFile(map, collection, bad) {
  if (!collection || collection.type !== 'FeatureCollection' || collection.crs) { clearOverlay(map, FILE); return; }
  const features = collection.features.filter(f => f?.geometry).map((f, i) => ({ ...f, properties: { colour: bad.has?.(i) ? '#d7191c' : '#636363', label: f.properties?.code ?? String(i) } }));
  showOverlay(map, FILE, geoToMap({ type: 'FeatureCollection', features }), { fillOpacity: 0.3 });
  if (features.length) flyToBbox(bboxOf({ coordinates: features.map(f => f.geometry.coordinates) }), 17);
}
