// The console's shell: sign-in, the header with the pages the server says this role has, the map, and the router
// that keeps the state in the URL (#/grids/33030200200910, #/credentials …) so every screen can be linked and reloaded.
import 'maplibre-gl/dist/maplibre-gl.css';
import './console.css';
import { api, session } from './api.js';
import { h, replace } from './dom.js';
import { language, setLanguage, t } from './i18n.js';
import { createMap, getMap } from './mapview.js';
import { routes, match } from './routes.js';

const root = document.getElementById('app');
let me = null;
let cleanup = null;

async function start() {
  document.documentElement.lang = language();
  session.onSignedOut(reason => showSignIn(t('signedOut', { reason })));
  if (!session.key) return showSignIn();
  try {
    me = await api('/api/me');
  } catch (e) {
    return showSignIn(e.status === 401 ? null : e.message);
  }
  if (me.console.views.length === 0) { session.clear(); return showSignIn(t('signin.noConsole', { role: me.role })); }
  await showShell();
}

function showSignIn(message) {
  me = null;
  if (cleanup) { cleanup(); cleanup = null; }
  getMap()?.remove();
  const input = h('input', { type: 'password', id: 'key', name: 'key', autocomplete: 'off', required: true, placeholder: 'gs_…' });
  const error = h('p', { class: 'error', role: 'alert', id: 'signin-error' }, message ?? '');
  const form = h('form', { class: 'signin', id: 'signin',
    onsubmit: async (e) => {
      e.preventDefault();
      const key = input.value.trim();
      try {
        const who = await api('/api/me', { key });
        if (who.console.views.length === 0) { error.textContent = t('signin.noConsole', { role: who.role }); return; }
        session.set(key);
        if (!location.hash || location.hash === '#/signin') location.hash = who.console.views[0] === 'cases' ? '#/cases' : '#/map';   // an officer starts at their cases
        await start();
      } catch (err) {
        error.textContent = `${t('signin.failed')}: ${err.message}`;
      }
    } },
  h('h1', null, t('app.title')), h('h2', null, t('signin.title')),
  h('label', { for: 'key' }, t('signin.key')), input,
  h('p', { class: 'hint' }, t('signin.hint')),
  h('button', { type: 'submit' }, t('signin.submit')), error, languagePicker());
  replace(root, form);
  input.focus();
}

function languagePicker() {
  return h('select', { id: 'lang', 'aria-label': 'Language', onchange: (e) => { setLanguage(e.target.value); location.reload(); } },
    ['zh-CN', 'en'].map(l => h('option', { value: l, selected: l === language() }, t(l === 'en' ? 'lang.en' : 'lang.zh'))));
}

async function showShell() {
  const views = new Set(me.console.views);
  const nav = h('nav', { id: 'nav' },
    [['cases', '#/cases'], ['inbox', '#/inbox'], ['map', '#/map'], ['upload', '#/upload'], ['history', '#/asof'], ['people', '#/people'], ['credentials', '#/credentials'], ['modules', '#/modules'], ['templates', '#/templates'], ['evaluation', '#/evaluation']]
      .filter(([view]) => views.has(view))
      .map(([view, href]) => h('a', { href, dataset: { view } }, t(view === 'history' ? 'nav.asof' : `nav.${view}`))));
  const panel = h('section', { id: 'panel', 'aria-live': 'polite' });
  const mapBox = h('div', { id: 'map' });
  replace(root,
    h('header', null, h('strong', null, t('app.title')), nav,
      h('span', { class: 'who', id: 'who' }, `${t(`role.${me.role}`)} · ${me.subject}`), languagePicker(),
      h('button', { id: 'signout', onclick: () => { session.clear(); location.hash = ''; showSignIn(); } }, t('signout'))),
    h('main', null, panel, mapBox),
    h('footer', null, h('span', { id: 'status' }, t('map.loading')), h('span', { id: 'cursor' })));
  await createMap(mapBox, me);
  document.getElementById('status').textContent = t('map.ready');
  window.onhashchange = () => route();
  await route();
}

// Navigations can overlap: a view still waiting for the server when the address changes again must not draw over
// the newer one. Each navigation gets a fresh panel; a view that finishes late wrote into a panel no longer shown and
// is cleaned up at once. <body data-routing="busy|idle"> says whether any view is still rendering.
let navigation = 0;
let rendering = 0;

async function route() {
  if (!me) return;
  const current = ++navigation;
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
  const found = match(location.hash || '#/map', new Set(me.console.views));
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.view === found.view);
  const panel = h('section', { id: 'panel', 'aria-live': 'polite' });
  document.getElementById('panel').replaceWith(panel);
  rendering++;
  document.body.dataset.routing = 'busy';
  try {
    const done = (await found.render(panel, found.params, { me })) ?? null;
    if (current === navigation) cleanup = done;
    else if (done) { try { done(); } catch (e) { console.error(e); } }
  } catch (e) {
    if (current === navigation) replace(panel, h('p', { class: 'error', role: 'alert' }, `${t('common.error')}: ${e.message}`));
  } finally {
    document.body.dataset.routing = (--rendering > 0) ? 'busy' : 'idle';
  }
}

export { routes };
start();
