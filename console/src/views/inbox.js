// The caller's notices (#/inbox): an officer's dispatches and warnings, a liaison's alerts for their grids, the command
// center's; newest first, the unread marked, new ones arriving live. The live stream is read with fetch (server-sent
// events), which can carry the credential as EventSource cannot; it reconnects after a drop.
import { api } from '../api.js';
import { follow } from '../stream.js';
import { h, replace } from '../dom.js';
import { formatDateTime, t, tWord } from '../i18n.js';

export async function render(panel) {
  panel.classList.add('wide');
  const unread = h('span', { id: 'inbox-unread', class: 'badge' });
  const live = h('p', { id: 'inbox-live', class: 'hint', dataset: { state: 'connecting' } }, t('inbox.connecting'));
  const list = h('ol', { id: 'inbox-list', class: 'inbox' });
  panel.append(h('h2', null, t('inbox.title'), ' ', unread), live, list);
  const page = await api('/api/inbox', { query: { limit: 100 } });
  if (!panel.isConnected) return null;
  const notices = [...page.notices];
  let unreadCount = page.unread ?? 0;
  const draw = () => {
    unread.textContent = unreadCount > 0 ? t('inbox.unread', { count: unreadCount }) : '';
    unread.dataset.count = String(unreadCount);
    replace(list, notices.length === 0 ? h('li', { id: 'inbox-none', class: 'hint' }, t('inbox.none'))
      : notices.map((n, i) => h('li', { class: i < unreadCount ? 'unread' : null, dataset: { id: n.noticeId, kind: n.kind } },
        h('div', null, h('strong', null, tWord('notice', n.kind)), ' ', h('small', null, formatDateTime(n.at))),
        h('p', { class: 'text' }, n.text),
        (n.caseIds ?? []).length ? h('p', null, (n.caseIds ?? []).map(id => h('a', { href: `#/cases/${encodeURIComponent(id)}`, class: 'case-link' }, id, ' '))) : null,
        i < unreadCount ? h('button', { type: 'button', class: 'mark-read', onclick: () => markRead(n.noticeId) }, t('inbox.markRead')) : null)));
  };
  const markRead = async id => {
    const answer = await api(`/api/inbox/${encodeURIComponent(id)}/read`, { method: 'POST' });
    unreadCount = answer.unread;
    draw();
  };
  draw();
  panel.dataset.ready = 'true';
  const stop = follow('/api/inbox/stream', (event, notice) => {
    if (event !== 'notice' || notices.some(n => n.noticeId === notice.noticeId)) return;
    notices.unshift(notice);
    unreadCount++;
    draw();
  }, state => {
    live.dataset.state = state;
    live.textContent = t(`inbox.${state}`);
  });
  return stop;
}
