// list.js: the live list of exchanges, as a browser's Network panel
// shows them: every exchange from any client, from the event stream and
// the server's history; the filter; Load older; Clear; the HAR download;
// and the keys that move in it. A row opens the detail view (detail.js).
import { $, reveal, put, el } from './dom.js';
import { API, token, apiFetch } from './api.js';
import { ms, statusClass } from './format.js';
import { shortType, humanSize, rowName, startedMs, span } from './network.js';
import { noteExchange } from './send.js';
import { select, closeDetail, permalink } from './detail.js';
import { kept, refreshStore, storeSoon, storeMissed, storeDegraded } from './store.js';
import { items, selection, live, setLive, info } from './state.js';

// The list is a window on the server's history, newest first, read from
// its API: so it outlives a reload, and a restart of a server with a
// store, and Load older pages back through the whole store. The filter
// box is the one filter syntax, sent as q: the server reads it, here
// nothing does. Live events join the list at once when there is no
// filter; with one, each sends the page to read the newest matches again
// (at most four times a second). The page holds MAX_ROWS rows: a new
// exchange lets the oldest go (Load older reads it again), Load older
// the newest (Back to the newest reads them again).

const PAGE = 50;
const MAX_ROWS = 500;
const list = $('live-list');
const filterBox = $('live-filter');
const view = {
  q: '', // the filter the list shows, as the server read it
  asked: '', // the filter last sent to the server
  gen: 0, // counts lists: an answer for an older one is dropped
  nextBefore: null, // the server's next_before below the oldest row: older matches remain
  atHead: true, // false once Load older let the newest rows go
  loading: false, // a first page is being read
  eventsWhileLoading: false,
};

// row is one exchange as the Network panel's columns: name, status,
// method, type, size, time and its bar in the waterfall, which
// layoutWaterfall places once the rows shown are known.
function row(s, fresh) {
  const url = reveal(s.url).textContent;
  const type = shortType(s.content_type);
  const a = el('a', {
    class: 'row', href: permalink(s.id), 'data-id': String(s.id),
    onclick: (ev) => {
      if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return; // a new tab or window, as for any link
      ev.preventDefault();
      select(s.id);
    },
  },
    el('span', { class: 'name', title: url },
      el('span', { class: 'n' }, s.imported ? el('span', { class: 'tag', text: 'imported' }) : null, rowName(s.url)),
      el('span', { class: 'sub' }, el('span', { class: 'p', text: s.url, title: url }), s.client ? el('span', { class: 'c', text: s.client }) : null)),
    el('span', { class: 's ' + statusClass(s.status), text: String(s.status) }),
    el('span', { class: 'm', text: s.method }),
    el('span', { class: 't', text: type || '—', title: s.content_type ? reveal(s.content_type).textContent : 'no Content-Type' }),
    el('span', { class: 'z', text: humanSize(s.bytes_out) }),
    el('span', { class: 'd', text: ms(s.duration_ms) }),
    el('span', { class: 'w' }, el('span', { class: 'wb ' + statusClass(s.status) })));
  a.setAttribute('aria-label', reveal(s.method + ' ' + s.url + ', status ' + s.status +
    (type ? ', ' + type : '') + ', ' + humanSize(s.bytes_out) + ', ' + ms(s.duration_ms) +
    (s.client ? ', from ' + s.client : '') + (s.imported ? ', imported from a HAR file' : '')).textContent);
  if (selection() && selection().id === s.id) a.setAttribute('aria-current', 'true');
  return el('li', { class: fresh ? 'new' : null, 'data-id': String(s.id) }, a);
}

// layoutWaterfall places each row's bar by its start, on a scale from
// the earliest start shown to the latest end, as DevTools does; once for
// any number of rows changed together.
let layoutQueued = false;
function layoutWaterfall() {
  if (layoutQueued) return;
  layoutQueued = true;
  queueMicrotask(() => {
    layoutQueued = false;
    const sp = span([...items.values()].map((it) => it.summary));
    $('live-span').textContent = sp ? 'Waterfall, ' + ms(sp.to - sp.from) : 'Waterfall';
    if (!sp) return;
    for (const it of items.values()) {
      const s = it.summary;
      const bar = it.li.querySelector('.wb');
      const at = startedMs(s.started) - sp.from;
      if (Number.isNaN(at)) { bar.hidden = true; continue; }
      bar.style.left = (at / sp.width) * 100 + '%';
      bar.style.width = ((s.duration_ms || 0) / sp.width) * 100 + '%';
      bar.parentNode.title = 'started at +' + ms(at) + ', took ' + ms(s.duration_ms);
    }
  });
}

const idOf = (li) => Number(li.dataset.id);

// insert puts s's row in its place, newest first, unless it is held.
function insert(s, fresh) {
  if (!s || typeof s.id !== 'number' || items.has(s.id)) return;
  const li = row(s, fresh);
  const first = list.firstElementChild;
  if (!first || s.id > idOf(first)) list.prepend(li);
  else if (s.id < idOf(list.lastElementChild)) list.append(li);
  else list.insertBefore(li, [...list.children].find((c) => idOf(c) < s.id) || null);
  items.set(s.id, { summary: s, li });
  layoutWaterfall();
}

// trim lets the rows beyond MAX_ROWS go: the oldest, or with newest the newest.
function trim(newest) {
  let cut = false;
  while (items.size > MAX_ROWS) {
    const li = newest ? list.firstElementChild : list.lastElementChild;
    items.delete(idOf(li));
    li.remove();
    cut = true;
  }
  if (!cut) return;
  layoutWaterfall();
  if (newest) view.atHead = false;
  else view.nextBefore = idOf(list.lastElementChild);
}

function resetList() {
  list.replaceChildren();
  items.clear();
  layoutWaterfall();
}

// showMore shows the paging buttons and says what the list holds.
function showMore() {
  const n = items.size;
  $('live-older').hidden = view.nextBefore === null;
  $('live-newest').hidden = view.atHead;
  list.dataset.q = view.q;
  const what = view.q ? (n === 1 ? 'match' : 'matches') : (n === 1 ? 'exchange' : 'exchanges');
  let t = '';
  if (!view.atHead) {
    t = n + ' older ' + what + ' shown. The page holds ' + MAX_ROWS + ' at most, so the newest were let go; Back to the newest reads them again.';
  } else if (view.nextBefore !== null) {
    t = n + ' ' + what + ' shown, newest first; older ones are on the server.' +
      (n >= MAX_ROWS ? ' The page holds ' + MAX_ROWS + ' at most: Load older lets the newest go.' : '');
  } else if (n) {
    t = 'All ' + n + ' ' + what + ' shown.';
  }
  $('live-count').textContent = t;
}

async function listPage(q, before) {
  const p = new URLSearchParams({ limit: String(PAGE) });
  if (q) p.set('q', q);
  if (before) p.set('before', String(before));
  return (await apiFetch('/exchanges?' + p)).json();
}

// loadFirst reads the newest page for filter q and shows it in place of
// the list. A filter the server cannot read leaves the list as it was
// and says why beside the box; another failure throws.
async function loadFirst(q) {
  const gen = ++view.gen;
  view.asked = q;
  view.loading = true;
  view.eventsWhileLoading = false;
  list.setAttribute('aria-busy', 'true');
  let page;
  try {
    page = await listPage(q, 0);
  } catch (err) {
    if (gen !== view.gen) return;
    view.loading = false;
    list.setAttribute('aria-busy', 'false');
    if (view.eventsWhileLoading) scheduleRefresh();
    if (err.status === 400 && err.problem) {
      filterError(q, err.problem);
      return;
    }
    view.asked = view.q; // so that asking again tries again
    throw err;
  }
  if (gen !== view.gen) return;
  view.loading = false;
  view.q = q;
  filterError(q, null);
  resetList();
  for (const s of page.exchanges || []) insert(s, false);
  view.nextBefore = page.next_before ?? null;
  view.atHead = true;
  showMore();
  list.setAttribute('aria-busy', 'false');
  if (view.eventsWhileLoading) scheduleRefresh();
}

async function loadOlder() {
  if (view.nextBefore === null) return;
  const gen = view.gen;
  const btn = $('live-older');
  btn.disabled = true;
  try {
    const page = await listPage(view.q, view.nextBefore);
    if (gen !== view.gen) return;
    for (const s of page.exchanges || []) insert(s, false);
    view.nextBefore = page.next_before ?? null;
    trim(true);
    showMore();
  } catch (err) {
    setState('Could not read older exchanges: ' + err.message);
  } finally {
    btn.disabled = false;
  }
}

// refreshHead reads the newest matches again and adds those newer than
// the list's newest: what a filtered list, a missed event or a
// reconnected stream may lack.
let refreshTimer = 0;
let refreshing = false;
let refreshAgain = false;
function scheduleRefresh() {
  if (!refreshTimer) refreshTimer = setTimeout(refreshHead, 250);
}
async function refreshHead() {
  refreshTimer = 0;
  if (view.loading) { view.eventsWhileLoading = true; return; }
  if (!view.atHead) return;
  if (refreshing) { refreshAgain = true; return; }
  refreshing = true;
  const gen = view.gen;
  try {
    const page = await listPage(view.q, 0);
    if (gen !== view.gen || !view.atHead) return;
    const got = page.exchanges || [];
    const top = list.firstElementChild ? idOf(list.firstElementChild) : 0;
    const fresh = got.filter((s) => s.id > top);
    if (top && fresh.length === got.length && page.next_before !== null) {
      await loadFirst(view.q); // more new matches than a page: read the list again
      return;
    }
    if (!top) view.nextBefore = page.next_before ?? null;
    for (const s of fresh) insert(s, true);
    trim(false);
    showMore();
  } catch (err) {
    setState('Could not read the newest exchanges: ' + err.message);
  } finally {
    refreshing = false;
    if (refreshAgain) { refreshAgain = false; scheduleRefresh(); }
  }
}

// onExchange takes a live event's summary.
function onExchange(s) {
  if (!s || typeof s.id !== 'number') return;
  noteExchange(s);
  storeSoon();
  if (view.loading) { view.eventsWhileLoading = true; return; }
  if (!view.atHead) return; // Back to the newest reads it
  if (view.q) { scheduleRefresh(); return; }
  insert(s, true);
  trim(false);
  showMore();
}

// ---- The filter box ----

// charIndex is the string index of the byte offset the server's 1-based
// column names in q's UTF-8.
function charIndex(q, column) {
  const bytes = new TextEncoder().encode(q);
  return new TextDecoder().decode(bytes.slice(0, Math.max(0, column - 1))).length;
}

// filterError shows the server's problem with filter q beside the box,
// marking its column, or with problem null takes it away.
function filterError(q, problem) {
  const box = $('live-filter-error');
  if (!problem) {
    box.replaceChildren();
    filterBox.removeAttribute('aria-invalid');
    filterBox.removeAttribute('aria-errormessage');
    filterBox.setAttribute('aria-describedby', 'live-filter-help');
    return;
  }
  const kids = [el('p', { id: 'live-filter-detail', text: problem.detail || 'The server cannot read this filter.' })];
  if (problem.column) {
    const at = Math.min(charIndex(q, problem.column), q.length);
    kids.push(el('pre', { class: 'filter-where', 'aria-hidden': 'true', 'data-column': String(problem.column) },
      q.slice(0, at), el('mark', { text: q.slice(at, at + 1) || ' ' }), q.slice(at + 1),
      '\n' + ' '.repeat(at) + '^'));
  }
  kids.push(el('p', { class: 'muted', text: view.q ? 'The list still shows the last filter that could be read: ' + view.q : 'The list is still unfiltered.' }));
  box.replaceChildren(...kids);
  filterBox.setAttribute('aria-invalid', 'true');
  filterBox.setAttribute('aria-errormessage', 'live-filter-detail');
  filterBox.setAttribute('aria-describedby', 'live-filter-detail live-filter-help');
}

let filterTimer = 0;
function applyFilter() {
  clearTimeout(filterTimer);
  filterTimer = 0;
  const q = filterBox.value.trim();
  if (q === view.asked) return;
  loadFirst(q).catch((err) => setState('Could not read the list: ' + err.message));
}

function setState(text) { put($('live-state'), text); }

function connectLive() {
  const url = API + '/events' + (token ? '?token=' + encodeURIComponent(token) : '');
  const es = new EventSource(url);
  let reconnecting = false;
  es.addEventListener('open', () => {
    setState('Live: new exchanges appear as the server handles them.');
    if (reconnecting) { // what happened while the stream was away, from the list
      reconnecting = false;
      scheduleRefresh();
      refreshStore();
    }
  });
  es.addEventListener('exchange', (ev) => {
    let s = null;
    try { s = JSON.parse(ev.data); } catch (e) { /* a malformed event is skipped */ }
    onExchange(s);
  });
  es.addEventListener('missed', (ev) => {
    let m = {};
    try { m = JSON.parse(ev.data) || {}; } catch (e) { /* keep {} */ }
    const n = typeof m.missed === 'number' ? m.missed : '?';
    if (m.where === 'store') {
      storeMissed(m.missed);
      return;
    }
    setState('Live, but ' + n + ' exchanges went by too fast for the stream; the list reads them from the server.');
    scheduleRefresh();
  });
  es.addEventListener('store', (ev) => {
    let m = {};
    try { m = JSON.parse(ev.data) || {}; } catch (e) { /* keep {} */ }
    storeDegraded(m.degraded);
  });
  es.addEventListener('error', () => {
    if (!live()) return;
    reconnecting = true;
    if (es.readyState === EventSource.CLOSED) {
      setState('The live stream closed. Reload the page to reconnect.');
    } else {
      setState('Reconnecting to the live stream…');
    }
  });
  return es;
}

// Clear deletes the history for every client of the server, in its
// store too: the page asks first, in place.
const clearAsk = $('live-clear-ask');
function askClear(open) {
  clearAsk.hidden = !open;
  $('live-clear').setAttribute('aria-expanded', String(open));
  if (!open) return;
  put($('live-clear-q'), 'Clear every exchange for everyone viewing this server?' +
    (kept() && kept().durable ? ' They are deleted from ' + (kept().path || 'the store') + ' too.' : ''));
  $('live-clear-no').focus();
}
function cancelClear() {
  askClear(false);
  $('live-clear').focus();
}

// clearAll deletes the history, on the server and in its store.
async function clearAll() {
  cancelClear();
  try {
    await apiFetch('/exchanges', { method: 'DELETE' });
    ++view.gen; // a list read before the clear is dropped
    view.loading = false;
    view.asked = view.q;
    list.setAttribute('aria-busy', 'false');
    resetList();
    view.nextBefore = null;
    view.atHead = true;
    showMore();
    closeDetail();
    setState((kept() && kept().durable ? 'Cleared, in the store too.' : 'Cleared.') + ' New exchanges still appear here.');
    refreshStore();
  } catch (err) {
    setState('Could not clear: ' + err.message);
  }
}

async function downloadHar() {
  try {
    const blob = await (await apiFetch('/har')).blob();
    const a = el('a', { href: URL.createObjectURL(blob), download: 'roundtrip.har' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  } catch (err) {
    setState('Could not download the HAR: ' + err.message);
  }
}

// failed says why the list could not be read. With --no-inspector
// there is nothing to read, which is not an error: the section says the
// inspector is off and how to turn it on.
async function failed(err, es) {
  setLive(false);
  es.close();
  list.setAttribute('aria-busy', 'false');
  const m = err.status === 404 ? await info() : null; // /info, read at start
  if (!m || m.inspector !== false) {
    setState('The live list is unavailable: ' + err.message + '.' + (err.status === 401 ? ' Open the page with ?token=TOKEN, the token roundtrip serve printed.' : ''));
    return;
  }
  $('live').classList.add('inspector-off');
  $('live-state').hidden = true;
  const off = $('live-off');
  off.replaceChildren(
    el('strong', { text: 'The inspector is off.' }),
    ' This server was started with ', el('code', { text: '--no-inspector' }),
    ', so it records no exchanges and there is nothing to list. The lesson\'s routes and /metrics still answer. ' +
    'To watch every exchange here, restart it without that flag: ',
    el('code', { text: 'roundtrip serve' }), '.');
  off.hidden = false;
}

// ---- Keys: move in the list, filter ----

const typing = (t) => t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));
// moveInList puts the focus on the row after (1) or before (-1) the one
// focused, or else the open one, or the first.
function moveInList(step) {
  const rows = [...list.querySelectorAll('a.row')];
  if (!rows.length) return;
  let i = rows.indexOf(document.activeElement);
  if (i < 0) i = rows.findIndex((a) => a.getAttribute('aria-current') === 'true');
  const next = i < 0 ? rows[0] : rows[Math.min(rows.length - 1, Math.max(0, i + step))];
  next.focus();
  next.scrollIntoView({ block: 'nearest' });
}

// initList wires the list's buttons, its filter box and its keys; touring
// says whether the tour has the arrow keys.
export function initList({ touring }) {
  $('live-older').addEventListener('click', loadOlder);
  $('live-newest').addEventListener('click', () => {
    loadFirst(view.q).catch((err) => setState('Could not read the list: ' + err.message));
  });
  filterBox.addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(applyFilter, 300);
  });
  filterBox.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') applyFilter(); });
  filterBox.addEventListener('search', applyFilter); // the box's clear button
  $('live-clear').addEventListener('click', () => askClear(clearAsk.hidden));
  $('live-clear-no').addEventListener('click', cancelClear);
  clearAsk.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') { ev.preventDefault(); cancelClear(); }
  });
  $('live-clear-yes').addEventListener('click', clearAll);
  $('live-har').addEventListener('click', downloadHar);
  document.addEventListener('keydown', (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || typing(ev.target)) return;
    if (touring() && (ev.key === 'ArrowDown' || ev.key === 'ArrowUp')) return;
    const inList = ev.target && ev.target.closest && ev.target.closest('#live-list');
    if (ev.key === 'j' || ev.key === 'k' || (inList && (ev.key === 'ArrowDown' || ev.key === 'ArrowUp'))) {
      ev.preventDefault();
      moveInList(ev.key === 'j' || ev.key === 'ArrowDown' ? 1 : -1);
    } else if (ev.key === '/') {
      ev.preventDefault();
      filterBox.focus();
      filterBox.select();
    }
  });
}

// startList subscribes to the live stream, then reads the newest page:
// in that order, so that nothing falls between the two.
export function startList() {
  const es = connectLive();
  loadFirst(filterBox.value.trim()).catch((err) => failed(err, es));
}
