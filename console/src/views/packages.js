// Uploaded duty modules, for the whole cluster: upload a signed package, and per module its versions (activate one:
// an upgrade or a rollback; remove one), what each silo runs or failed to run and why, disable and remove.
import { api } from '../api.js';
import { h, replace, table } from '../dom.js';
import { formatDateTime, t, tWord } from '../i18n.js';

/** The uploaded modules and, for an operator, the upload form: a section of the modules page. */
export async function packagesSection({ me }) {
  const operator = me.role === 'Operator';
  const list = h('div', { id: 'packages-list' });
  const section = h('section', { id: 'packages' }, h('h3', null, t('pkg.title')), h('p', { class: 'hint' }, t('pkg.help')));
  const refresh = async () => {
    const modules = (await api('/api/plugins/packages')).modules ?? [];
    replace(list, modules.length
      ? table([t('pkg.module'), t('pkg.active'), t('pkg.silos'), t('pkg.changed')], modules.map(m => [
        h('a', { href: `#/modules/packages/${encodeURIComponent(m.module)}`, dataset: { module: m.module } }, m.module),
        m.activeVersion ?? t('pkg.disabled'),
        siloSummary(m),
        m.changedBy ? `${formatDateTime(m.changedAt)} · ${m.changedBy}` : '']), { id: 'packages-table' })
      : h('p', { id: 'packages-none' }, t('pkg.none')));
  };
  if (operator) section.append(uploadForm(refresh));
  section.append(list);
  await refresh();
  return section;
}

/** "2/3 运行 1.0.0" and any failures, from the module's per-silo list. */
function siloSummary(m) {
  const silos = m.silos ?? [];
  const running = silos.filter(s => s.version && s.version === m.activeVersion).length;
  const failed = silos.filter(s => s.failedVersion);
  return h('span', null, t('pkg.runningCount', { running, total: silos.length }),
    failed.length ? h('span', { class: 'error' }, ' · ', t('pkg.failedCount', { count: failed.length })) : '');
}

function uploadForm(uploaded) {
  const file = h('input', { type: 'file', id: 'pkg-file', accept: '.zip,.nupkg', required: true });
  const signature = h('input', { id: 'pkg-signature', autocomplete: 'off', placeholder: 'MEUCIQ…' });
  const signatureFile = h('input', { type: 'file', id: 'pkg-signature-file', accept: '.sig,.der,.bin' });
  const activate = h('input', { type: 'checkbox', id: 'pkg-activate', checked: true });
  const result = h('div', { id: 'pkg-result', role: 'status' });
  const form = h('form', { id: 'pkg-form', class: 'form',
    onsubmit: async (e) => {
      e.preventDefault();
      replace(result);
      const chosen = file.files?.[0];
      if (!chosen) return;
      try {
        const headers = { 'Content-Type': 'application/zip' };
        const encoded = signature.value.trim() || (signatureFile.files?.[0] ? base64(await signatureFile.files[0].arrayBuffer()) : '');
        if (encoded) headers['X-Module-Signature'] = encoded;
        const answer = await api('/api/plugins/packages', { method: 'POST', body: new Blob([await chosen.arrayBuffer()]), headers, query: { activate: activate.checked } });
        replace(result, h('p', { class: 'ok', id: 'pkg-uploaded' }, t(answer.stored === 'stored' ? 'pkg.uploaded' : 'pkg.alreadyStored',
          { module: answer.module, version: answer.version, key: answer.signedBy?.keyName ?? answer.signedBy?.keyId ?? t('pkg.unsigned') })),
        h('p', { class: 'codes' }, `SHA-256 ${answer.sha256}`),
        h('a', { href: `#/modules/packages/${encodeURIComponent(answer.module)}` }, t('pkg.open')));
        form.reset();
        activate.checked = true;
        await uploaded();
      } catch (err) {
        replace(result, h('p', { class: 'error', id: 'pkg-refused', role: 'alert' }, err.message));
      }
    } },
  h('h4', null, t('pkg.upload')),
  h('label', null, t('pkg.file'), file),
  h('label', null, t('pkg.signature'), signature),
  h('label', null, t('pkg.signatureFile'), signatureFile),
  h('label', null, activate, ' ', t('pkg.activateNow')),
  h('button', { type: 'submit', class: 'primary', id: 'pkg-upload' }, t('pkg.uploadButton')), result);
  return form;
}

function base64(buffer) {
  let binary = '';
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** #/modules/packages/{module}: one uploaded module's versions, silos and history, with its actions. */
export async function render(panel, module, { me }) {
  panel.classList.add('wide');
  const operator = me.role === 'Operator';
  const body = h('div', { id: 'package' });
  panel.append(h('p', null, h('a', { href: '#/modules' }, `← ${t('mod.title')}`)), h('h2', null, t('pkg.moduleTitle', { module })), body);
  await show(body, module, operator, null);
  return () => panel.classList.remove('wide');
}

async function show(body, module, operator, message) {
  let m;
  try {
    m = await api(`/api/plugins/packages/${encodeURIComponent(module)}`);
  } catch (err) {
    // Removed a moment ago, or never uploaded.
    replace(body, message ?? '', h('p', { class: 'error', role: 'alert', id: 'package-error' }, err.message));
    return;
  }
  const act = (fn) => async () => {
    try {
      await fn();
      await show(body, module, operator, h('p', { class: 'ok', id: 'package-done' }, t('pkg.done')));
    } catch (err) {
      await show(body, module, operator, h('p', { class: 'error', role: 'alert', id: 'package-error' }, err.message));
    }
  };
  const path = `/api/plugins/packages/${encodeURIComponent(module)}`;
  replace(body, message ?? '',
    h('p', { id: 'package-active' }, m.activeVersion ? t('pkg.activeIs', { version: m.activeVersion }) : t('pkg.disabled'),
      m.canary ? ` · ${t('pkg.canaryIs', { version: m.canary.version, silo: m.canary.silo })}` : ''),
    h('h3', null, t('pkg.versions')),
    table([t('pkg.version'), t('pkg.signedBy'), t('pkg.uploadedBy'), 'SHA-256', ''], (m.versions ?? []).map(v => [
      v.version === m.activeVersion ? h('strong', null, `${v.version} ✓`) : v.version,
      v.signedBy ?? t('pkg.unsigned'),
      `${formatDateTime(v.uploadedAt)} · ${v.uploadedBy}`,
      h('span', { class: 'codes', title: v.sha256 }, v.sha256.slice(0, 16)),
      operator && v.version !== m.activeVersion ? h('span', { class: 'actions' },
        h('button', { type: 'button', dataset: { activate: v.version }, onclick: act(() => api(`${path}/activate`, { method: 'POST', body: { version: v.version } })) },
          m.activeVersion && compare(v.version, m.activeVersion) < 0 ? t('pkg.rollback') : t('pkg.activate')),
        h('button', { type: 'button', class: 'danger', dataset: { removeVersion: v.version }, onclick: act(() => api(`${path}/versions/${encodeURIComponent(v.version)}`, { method: 'DELETE' })) }, t('pkg.removeVersion')))
        : '']), { id: 'versions-table' }),
    h('h3', null, t('pkg.silos')),
    table([t('pkg.silo'), t('pkg.runs'), t('mod.state'), t('pkg.failed')], (m.silos ?? []).map(s => [
      h('span', { class: 'codes' }, s.silo), s.version ?? '—', tWord('pkg.state', s.state),
      s.failedVersion ? h('span', { class: 'error' }, t('pkg.failedVersion', { version: s.failedVersion, error: s.failedError ?? '' })) : '']), { id: 'silos-table' }),
    operator ? h('div', { class: 'actions' },
      m.activeVersion ? h('button', { type: 'button', id: 'pkg-disable', onclick: act(() => api(`${path}/disable`, { method: 'POST' })) }, t('pkg.disable')) : '',
      !m.activeVersion && !m.canary ? h('button', { type: 'button', class: 'danger', id: 'pkg-remove', onclick: async () => {
        // Gone once removed: back to the list of modules.
        try { await api(path, { method: 'DELETE' }); location.hash = '#/modules'; } catch (err) { await show(body, module, operator, h('p', { class: 'error', role: 'alert', id: 'package-error' }, err.message)); }
      } }, t('pkg.remove')) : '')
      : '',
    h('h3', null, t('pkg.history')),
    table([t('pkg.when'), t('pkg.action'), t('pkg.version'), t('pkg.who')], (m.history ?? []).map(x => [formatDateTime(x.at), tWord('act', x.action), x.version ?? '', x.actor]), { id: 'package-history' }));
}

/** Compares dotted versions numerically (1.10.0 after 1.9.0); text parts compare as text. */
function compare(a, b) {
  const pa = String(a).split(/[.+-]/), pb = String(b).split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0', y = pb[i] ?? '0';
    const nx = Number(x), ny = Number(y);
    const c = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (c !== 0) return c;
  }
  return 0;
}
