// Notice templates, edited for the whole cluster: the list (what serves each kind and matter), and one template's
// editor — checked on save with the line and column of each error, previewed against the sample cases, its saved
// versions with author and time, a rollback to any of them, or back to the shipped file.
import { api } from '../api.js';
import { h, replace, table } from '../dom.js';
import { formatDateTime, t, tWord } from '../i18n.js';

const KINDS = ['dispatch', 'accept-warning', 'escalation', 'liaison-alert', 'reporter-status', 'closure', 'party-notice'];

/** #/templates: every template and what serves it; a form to start one matter's template. */
export async function renderList(panel) {
  panel.classList.add('wide');
  const list = await api('/api/templates');
  const kind = h('select', { id: 'tpl-kind' }, KINDS.map(k => h('option', { value: k }, `${t(`tpl.kind.${k}`)} (${k})`)));
  const matter = h('input', { id: 'tpl-matter', required: true, pattern: '[a-z0-9][a-z0-9_\\-]*', placeholder: 'parking' });
  panel.append(h('h2', null, t('tpl.title')), h('p', { class: 'hint' }, t('tpl.help')),
    table([t('tpl.name'), t('tpl.servedBy'), t('tpl.activeVersion'), t('tpl.versions'), t('mod.errors')], (list.templates ?? []).map(x => [
      h('a', { href: `#/templates/${encodeURIComponent(x.name)}`, dataset: { template: x.name } }, x.name),
      x.servedBy?.source ?? '', x.activeVersion ?? '—', String(x.versions ?? 0),
      (x.errors ?? []).map(e => `${e.line}:${e.column} ${e.message}`).join('; ')]), { id: 'templates-table' }),
    h('form', { id: 'tpl-new', class: 'inline', onsubmit: (e) => { e.preventDefault(); location.hash = `#/templates/${kind.value}.${matter.value.trim()}`; } },
      h('label', null, t('tpl.kind'), kind), h('label', null, t('tpl.matter'), matter), h('button', { type: 'submit' }, t('tpl.newForMatter'))));
  return () => panel.classList.remove('wide');
}

/** #/templates/{name}: the editor. */
export async function render(panel, name, { me }) {
  panel.classList.add('wide');
  const operator = me.role === 'Operator';
  const path = `/api/templates/${encodeURIComponent(name)}`;
  const text = h('textarea', { id: 'template-text', rows: 14, spellcheck: 'false', readonly: !operator, 'aria-label': t('tpl.text') });
  const note = h('input', { id: 'template-note', maxlength: 500, placeholder: t('tpl.notePlaceholder') });
  const status = h('div', { id: 'template-status', role: 'status' });
  const errors = h('ol', { id: 'template-errors', class: 'error' });
  const preview = h('div', { id: 'template-preview' });
  const facts = h('div', { id: 'template-facts' });
  const versions = h('div', { id: 'template-versions' });
  const history = h('div', { id: 'template-history' });

  /** Shows errors as clickable lines; a click puts the cursor on the line and column in the text. */
  const showErrors = (list) => replace(errors, (list ?? []).map(e => h('li', null, h('button', { type: 'button', class: 'link',
    onclick: () => place(text, e.line, e.column) }, t('tpl.errorAt', { line: e.line, column: e.column, message: e.message })))));
  const fail = (err) => {
    showErrors(err.problem?.errors);
    replace(status, h('p', { class: 'error', role: 'alert' }, err.problem?.errors ? t('tpl.refused') : err.message));
  };

  const load = async (replaceText) => {
    const template = await api(path);
    if (replaceText) text.value = template.text;
    const s = template.summary;
    replace(facts, table(['', ''], [
      [t('tpl.servedBy'), h('span', { id: 'template-served' }, s.servedBy.source)],
      [t('tpl.activeVersion'), h('span', { id: 'template-active' }, s.activeVersion ?? t('tpl.noneActive'))],
      [t('tpl.changed'), s.changedBy ? `${formatDateTime(s.changedAt)} · ${s.changedBy}` : '—'],
    ], { class: 'facts' }));
    replace(versions, table([t('tpl.version'), t('tpl.author'), t('tpl.savedAt'), t('tpl.note'), ''], (template.versions ?? []).map(v => [
      v.version === s.activeVersion ? h('strong', null, `${v.version} ✓`) : String(v.version),
      v.author, formatDateTime(v.savedAt), v.note ?? '',
      h('span', { class: 'actions' },
        h('button', { type: 'button', dataset: { load: v.version }, onclick: async () => { text.value = (await api(`${path}/versions/${v.version}`)).text; replace(status, t('tpl.loaded', { version: v.version })); } }, t('tpl.load')),
        operator && v.version !== s.activeVersion ? h('button', { type: 'button', dataset: { activate: v.version }, onclick: () => act(async () => {
          await api(`${path}/activate`, { method: 'POST', body: { version: v.version } });
          return t('tpl.activated', { version: v.version });
        }, true) }, s.activeVersion && v.version < s.activeVersion ? t('tpl.rollback') : t('tpl.activate')) : '')]), { id: 'versions-table' }));
    replace(history, table([t('pkg.when'), t('pkg.action'), t('tpl.version'), t('pkg.who')],
      (template.history ?? []).map(x => [formatDateTime(x.at), tWord('act', x.action), x.version ?? '', x.actor]), { id: 'template-history-table' }));
  };
  const act = async (fn, reload) => {
    replace(status);
    replace(errors);
    try {
      const message = await fn();
      replace(status, h('p', { class: 'ok', id: 'template-done' }, message));
      await load(reload);
    } catch (err) { fail(err); }
  };

  const previewNow = async () => {
    replace(status);
    replace(errors);
    replace(preview);
    try {
      const answer = await api(`${path}/preview`, { method: 'POST', body: { text: text.value } });
      showErrors(answer.errors);
      replace(preview, h('h4', null, t('tpl.previewTitle')), (answer.notices ?? []).map(n =>
        h('figure', { class: 'rendered' }, h('figcaption', null, t('tpl.sampleCase', { id: n.sampleCase })), h('pre', null, n.text))));
    } catch (err) { fail(err); }
  };

  // The text is loaded before the editor is shown: text typed into an editor still loading was overwritten by the
  // template when it came, and then saved in place of what was typed.
  await load(true);
  panel.append(h('p', null, h('a', { href: '#/templates' }, `← ${t('tpl.title')}`)), h('h2', null, t('tpl.editTitle', { name })), facts,
    h('label', { for: 'template-text' }, t('tpl.text')), text,
    operator ? h('label', null, t('tpl.note'), note) : '',
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'template-preview-button', onclick: previewNow }, t('tpl.preview')),
      operator ? h('button', { type: 'button', class: 'primary', id: 'template-save', onclick: () => act(async () => {
        const saved = await api(path, { method: 'PUT', body: { text: text.value, note: note.value.trim() || null } });
        note.value = '';
        return t('tpl.saved', { version: saved.version });
      }, false) }, t('tpl.save')) : '',
      operator ? h('button', { type: 'button', id: 'template-revert', onclick: () => act(async () => {
        await api(path, { method: 'DELETE' });
        return t('tpl.reverted');
      }, true) }, t('tpl.revert')) : ''),
    status, errors, preview, h('h3', null, t('tpl.versions')), versions, h('h3', null, t('pkg.history')), history);
  return () => panel.classList.remove('wide');
}

/** Puts the cursor at a 1-based line and column of a textarea and scrolls it there. */
function place(textarea, line, column) {
  const lines = textarea.value.split('\n');
  let offset = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i].length + 1;
  offset += Math.max(0, column - 1);
  textarea.focus();
  textarea.setSelectionRange(offset, offset);
}
