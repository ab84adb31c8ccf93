// The deliveries page's live feed: rows for new attempts from BASE/events,
// within the filters in the address bar. Text goes in through textContent
// and DOM calls only: ids, events and outcomes come from receivers and
// scripts. Plain JavaScript, no build step (the page works without it).
(() => {
  const base = document.body.dataset.base ?? '';
  const status = document.getElementById('live');
  const rows = document.getElementById('deliveries');
  const detail = document.querySelector('section.delivery');
  const filters = document.getElementById('filters');
  const LIMIT = 100;

  // Choosing a filter applies it (the Filter button does the same without JavaScript).
  if (filters) {
    for (const select of filters.querySelectorAll('select')) select.addEventListener('change', () => filters.requestSubmit());
  }
  if (!status) return;
  if ((!rows && !detail) || typeof EventSource !== 'function') {
    status.textContent = '';
    return;
  }

  /** As the server writes it: `2026-12-01 04:31:53` (UTC). */
  const formatTime = (ms) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  const formatLatency = (ms) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`);

  const active = new URLSearchParams(location.search);
  const wanted = (d) => ['webhook', 'event', 'outcome'].every((k) => !active.get(k) || active.get(k) === d[k]);

  const el = (tag, text, className) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  };
  const cell = (child, className) => {
    const td = el('td', undefined, className);
    td.append(child);
    return td;
  };
  const time = (ms) => {
    const t = el('time', formatTime(ms));
    t.dateTime = new Date(ms).toISOString();
    return t;
  };
  const outcome = (d) => {
    const span = document.createDocumentFragment();
    span.append(el('span', d.outcome, `outcome ${d.outcome}`));
    if (d.status !== undefined) span.append(' ', el('span', String(d.status), 'status-code'));
    return span;
  };

  /** The row the server writes for `d` (views.ts deliveryRow). */
  const row = (d) => {
    const tr = el('tr');
    tr.dataset.id = d.id;
    tr.dataset.outcome = d.outcome;
    const link = el('a', d.id);
    link.href = `${base}/deliveries/${encodeURIComponent(d.id)}`;
    tr.append(
      cell(time(d.lastAttemptAt)),
      cell(d.event),
      cell(d.webhook),
      cell(link, 'id'),
      cell(String(d.attempts), 'num'),
      cell(outcome(d)),
      cell(formatLatency(d.latencyMs), 'num'),
    );
    return tr;
  };

  const existing = (id) => {
    for (const tr of rows.children) if (tr.dataset.id === id) return tr;
    return undefined;
  };

  const showRow = (d) => {
    const old = existing(d.id);
    if (!wanted(d)) {
      old?.remove();
      return;
    }
    for (const empty of rows.querySelectorAll('tr.empty')) empty.remove();
    const tr = row(d);
    tr.classList.add('fresh');
    // A delivery keeps its place (the list is in order of first attempts, as a reload shows it); a new one goes on top.
    if (old) old.replaceWith(tr);
    else rows.prepend(tr);
    while (rows.children.length > LIMIT) rows.lastElementChild.remove();
  };

  // On a delivery's own page: say a new attempt came, with a link that reloads it.
  const showAttempt = (d, attempt) => {
    if (d.id !== detail.dataset.id) return;
    let note = document.getElementById('new-attempt');
    if (!note) {
      note = el('p', undefined, 'notice ok');
      note.id = 'new-attempt';
      detail.before(note);
    }
    note.replaceChildren(`Attempt ${d.attempts}: ${d.outcome}${attempt.status !== undefined ? ` (${attempt.status})` : ''}. `);
    const link = el('a', 'Show it');
    link.href = `${base}/deliveries/${encodeURIComponent(d.id)}`;
    note.append(link);
  };

  const setStatus = (text) => {
    status.textContent = text;
    status.className = `status ${text}`;
  };
  setStatus('connecting');
  const source = new EventSource(`${base}/events`);
  source.addEventListener('open', () => setStatus('live'));
  source.addEventListener('error', () => setStatus('reconnecting'));
  source.addEventListener('attempt', (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (rows) showRow(message.delivery);
    else showAttempt(message.delivery, message.attempt);
  });
  addEventListener('pagehide', () => source.close());
})();
