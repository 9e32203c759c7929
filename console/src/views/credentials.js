// Credentials: issue one (its secret shown this once, with a copy button), list them, revoke.
import { api } from '../api.js';
import { h, replace, table } from '../dom.js';
import { formatDateTime, t } from '../i18n.js';

const ROLES = ['Operator', 'Dispatcher', 'Officer', 'Liaison', 'Reporter', 'Sensor'];

export async function render(panel) {
  const list = h('div', { id: 'credential-list' });
  const issued = h('div', { id: 'issued' });
  const error = h('p', { class: 'error', role: 'alert' });
  const role = h('select', { id: 'cred-role', name: 'role' }, ROLES.map(r => h('option', { value: r }, `${t(`role.${r}`)} (${r})`)));
  const subject = h('input', { id: 'cred-subject', name: 'subject', required: true, maxlength: 128 });
  const label = h('input', { id: 'cred-label', name: 'label', maxlength: 200 });
  const expires = h('input', { id: 'cred-expires', name: 'expires', type: 'datetime-local' });
  const form = h('form', { id: 'cred-form', class: 'form',
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      try {
        const body = { role: role.value, subject: subject.value.trim(), label: label.value.trim() || null };
        // The picker gives Beijing time without a zone: the console's dates are Asia/Shanghai.
        if (expires.value) body.expiresAt = `${expires.value}:00+08:00`;
        const answer = await api('/api/credentials', { method: 'POST', body });
        const secret = h('code', { id: 'secret' }, answer.secret);
        const copy = h('button', { type: 'button', id: 'copy-secret', onclick: async () => { await navigator.clipboard?.writeText(answer.secret).catch(() => {}); copy.textContent = t('cred.copied'); } }, t('cred.copy'));
        replace(issued, h('div', { class: 'notice' }, h('p', null, t('cred.secret')), secret, ' ', copy));
        form.reset();
        await load(list);
      } catch (err) { error.textContent = err.message; }
    } },
  h('label', null, t('cred.role'), role), h('label', null, t('cred.subject'), subject), h('label', null, t('cred.label'), label),
  h('label', null, t('cred.expires'), expires), h('button', { type: 'submit', id: 'cred-issue' }, t('cred.issue')), error);
  // Orleans' dashboard: a session cookie for /dashboard on this silo, then the dashboard in a tab of its own.
  const dashboardError = h('span', { class: 'error', role: 'alert', id: 'dashboard-error' });
  const dashboard = h('p', { id: 'dashboard' },
    h('button', { type: 'button', id: 'open-dashboard', onclick: async () => {
      dashboardError.textContent = '';
      try {
        const session = await api('/api/dashboard/session', { method: 'POST' });
        window.open(session.url, '_blank', 'noopener');
      } catch (err) { dashboardError.textContent = err.message; }
    } }, t('cred.dashboard')), ' ', h('small', null, t('cred.dashboardHint')), ' ', dashboardError);
  panel.append(h('h2', null, t('cred.title')), form, issued, list, dashboard);
  panel.classList.add('wide');
  await load(list);
  return () => panel.classList.remove('wide');
}

async function load(list) {
  const credentials = await api('/api/credentials');
  credentials.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  replace(list, table([t('cred.id'), t('cred.role'), t('cred.subject'), t('cred.label'), t('cred.created'), t('cred.expires'), ''],
    credentials.map(c => [c.id, t(`role.${c.role}`), c.subject, c.label ?? '', `${formatDateTime(c.createdAt)} · ${c.createdBy}`, formatDateTime(c.expiresAt),
      c.revokedAt ? h('span', { class: 'revoked' }, `${t('cred.revoked')} ${formatDateTime(c.revokedAt)}`)
        : h('button', { type: 'button', class: 'danger', dataset: { revoke: c.id }, onclick: async () => { await api(`/api/credentials/${encodeURIComponent(c.id)}`, { method: 'DELETE' }); await load(list); } }, t('cred.revoke'))]),
    { id: 'credentials-table' }));
}
