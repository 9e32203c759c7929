// Server-sent events read with fetch, which can carry the credential as EventSource cannot: each event's name and
// parsed data go to onEvent, the connection's state ('connecting', 'open', 'closed') to onState. A dropped stream
// connects again after a moment; the returned function stops it.
import { session } from './api.js';

export function follow(path, onEvent, onState = () => {}) {
  const controller = new AbortController();
  let timer = null;
  const connect = async () => {
    onState('connecting');
    try {
      const response = await fetch(path, {
        headers: { Authorization: `Bearer ${session.key}`, Accept: 'text/event-stream' }, signal: controller.signal });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      let opened = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          // The server's first words (": listening") say it listens: what changes from now on comes here.
          if (!opened) { opened = true; onState('open'); }
          const lines = block.split('\n');
          const event = lines.find(l => l.startsWith('event:'))?.slice(6).trim();
          const data = lines.filter(l => l.startsWith('data:')).map(l => l.slice(5).trimStart()).join('\n');
          if (event && data) onEvent(event, JSON.parse(data));
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
