// The caller's notices (#/inbox): an officer's dispatches and warnings, a liaison's alerts for their grids, the command
// center's; newest first, the unread marked, new ones arriving live. The live stream is read with fetch (server-sent
// events), which can carry the credential as EventSource cannot; it reconnects after a drop.
import { api, session } from '../api.js';
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
  const stop = follow(notice => {
    if (notices.some(n => n.noticeId === notice.noticeId)) return;
    notices.unshift(notice);
    unreadCount++;
    draw();
  }, state => {
    live.dataset.state = state;
    live.textContent = t(`inbox.${state}`);
  });
  return stop;
}

/** Follows /api/inbox/stream until stopped: each `notice` event to onNotice; the connection's state to onState. */
function follow(onNotice, onState) {
  const controller = new AbortController();
  let timer = null;
  const connect = async () => {
    onState('connecting');
    try {
      const response = await fetch('/api/inbox/stream', {
        headers: { Authorization: `Bearer ${session.key}`, Accept: 'text/event-stream' }, signal: controller.signal });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      onState('open');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const event = lines.find(l => l.startsWith('event:'))?.slice(6).trim();
          const data = lines.filter(l => l.startsWith('data:')).map(l => l.slice(5).trimStart()).join('\n');
          if (event === 'notice' && data) onNotice(JSON.parse(data));
        }
      }
    } catch (e) {
      if (controller.signal.aborted) return;
    }
    if (controller.signal.aborted) return;
    onState('closed');
    timer = setTimeout(connect, 5000);   // dropped: again in a moment
  };
  connect();
  return () => { controller.abort(); clearTimeout(timer); };
}
