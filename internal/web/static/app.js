// roundtrip lab: the page's client. Plain JS modules, no build step, no CDN.
// Text that came from a request, a response or the server is only ever
// placed as text nodes through reveal (dom.js), never parsed as HTML.
import { $, reveal, put, el, clear } from './dom.js';
import { API, token, apiFetch, fetchExchange, getExchange } from './api.js';
import { initTour } from './tour.js';
import { initBuilder, loadBuilder } from './builder.js';
import { loadExperiments } from './experiments.js';
import { selection, setSelection, items, live, setLive, tables, setTables, explain, reason } from './state.js';
import { send, afterRender, header, browserLabels, noteExchange, recFor, waitForRequestId, lastSent } from './send.js';
import { ms, statusClass, byteSize, plural } from './format.js';
import {
  shortType, humanSize, rowName, startedMs, span, tabs, payload, preview, responseBody, fill,
  headerText, bodyText, exchangeRequestText, phaseRows, timingRows,
} from './network.js';

{
  // ---- Live exchanges ----
  //
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
  const permalink = (id) => '/_roundtrip/x/' + encodeURIComponent(id);
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
  $('live-older').addEventListener('click', loadOlder);
  $('live-newest').addEventListener('click', () => {
    loadFirst(view.q).catch((err) => setState('Could not read the list: ' + err.message));
  });

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
  filterBox.addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(applyFilter, 300);
  });
  filterBox.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') applyFilter(); });
  filterBox.addEventListener('search', applyFilter); // the box's clear button

  function setState(text) { put($('live-state'), text); }

  // ---- Where the history is kept ----

  let store = null; // the last GET /store
  let storeTimer = 0;

  async function refreshStore() {
    clearTimeout(storeTimer);
    storeTimer = 0;
    try {
      store = await (await apiFetch('/store')).json();
    } catch (e) {
      store = null; // no inspector, or no token: the state line says so
    }
    showStore();
  }

  // storeSoon reads /store again in a while: its counts change with every exchange.
  function storeSoon() {
    if (!storeTimer) storeTimer = setTimeout(refreshStore, 2000);
  }

  // replaceIfChanged keeps a live region quiet unless what it says changes.
  function replaceIfChanged(node, kids) {
    const next = el('div', {}, kids);
    if (next.textContent !== node.textContent) node.replaceChildren(...next.childNodes);
  }

  function showStore() {
    const where = $('live-store');
    const warn = $('live-store-warn');
    if (!store) {
      where.hidden = true;
      replaceIfChanged(warn, []);
      return;
    }
    where.hidden = false;
    where.dataset.durable = String(!!store.durable);
    if (store.durable) {
      replaceIfChanged(where, ['Kept in ', el('code', { text: store.path || '(unknown)' }), ': ' +
        plural(store.exchanges || 0, 'exchange') + ', ' + byteSize(store.bytes) + '. They survive a restart.']);
    } else {
      const m = store.memory || {};
      replaceIfChanged(where, ['Kept in memory only (', el('code', { text: '--store memory' }), '): lost at restart. ' +
        plural(m.exchanges || 0, 'exchange') + ', ' + byteSize(m.bytes) + ' held.']);
    }
    const notes = [];
    if (store.degraded) {
      // The server names the store and says it cannot write; say it once.
      const prefix = 'store ' + store.path + ': cannot write: ';
      const why = store.degraded.startsWith(prefix) ? store.degraded.slice(prefix.length) : store.degraded;
      notes.push(el('p', { class: 'degraded', text: 'The store cannot write: ' + why + '; captures are shown but not kept.' }));
    }
    if (store.dropped > 0) {
      notes.push(el('p', { class: 'dropped', text: plural(store.dropped, 'capture') + (store.dropped === 1 ? ' was' : ' were') +
        ' not stored: they show here, but will be gone after a restart.' }));
    }
    replaceIfChanged(warn, notes);
  }

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
        if (store && typeof m.missed === 'number') { store.dropped = (store.dropped || 0) + m.missed; showStore(); }
        storeSoon();
        return;
      }
      setState('Live, but ' + n + ' exchanges went by too fast for the stream; the list reads them from the server.');
      scheduleRefresh();
    });
    es.addEventListener('store', (ev) => {
      let m = {};
      try { m = JSON.parse(ev.data) || {}; } catch (e) { /* keep {} */ }
      if (store) { store.degraded = m.degraded || null; showStore(); }
      storeSoon();
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
      (store && store.durable ? ' They are deleted from ' + (store.path || 'the store') + ' too.' : ''));
    $('live-clear-no').focus();
  }
  function cancelClear() {
    askClear(false);
    $('live-clear').focus();
  }
  $('live-clear').addEventListener('click', () => askClear(clearAsk.hidden));
  $('live-clear-no').addEventListener('click', cancelClear);
  clearAsk.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') { ev.preventDefault(); cancelClear(); }
  });
  $('live-clear-yes').addEventListener('click', async () => {
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
      setState((store && store.durable ? 'Cleared, in the store too.' : 'Cleared.') + ' New exchanges still appear here.');
      refreshStore();
    } catch (err) {
      setState('Could not clear: ' + err.message);
    }
  });

  // liveFailed says why the list could not be read. With --no-inspector
  // there is nothing to read, which is not an error: the section says the
  // inspector is off and how to turn it on.
  async function liveFailed(err, es) {
    setLive(false);
    es.close();
    list.setAttribute('aria-busy', 'false');
    let info = null;
    if (err.status === 404) {
      try { info = await (await apiFetch('/info')).json(); } catch (e) { /* say what failed, below */ }
    }
    if (!info || info.inspector !== false) {
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

  $('live-har').addEventListener('click', async () => {
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
  });

  function exchangeResponseText(ex) {
    const head = ex.proto + ' ' + ex.status + ' ' + reason(ex.status);
    const h = headerText(ex.response && ex.response.headers);
    return head + (h ? '\n' + h : '') + '\n\n' + bodyText(ex.response);
  }

  function facts(target, pairs) {
    clear(target);
    for (const [k, v] of pairs) {
      if (v === undefined || v === null || v === '') continue;
      target.append(el('dt', { text: k }), el('dd', { text: String(v) }));
    }
  }

  // ---- Details and permalinks ----

  // addressId is the exchange the address names, /_roundtrip/x/{id}: a
  // number, or the text as it is for the server to refuse; null on any
  // other address.
  function addressId() {
    const m = /^\/_roundtrip\/x\/([^/]+)$/.exec(location.pathname);
    if (!m) return null;
    let raw = m[1];
    try { raw = decodeURIComponent(raw); } catch (e) { /* keep it encoded */ }
    return /^[0-9]+$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
  }

  function markSelected(id) {
    for (const a of list.querySelectorAll('a[aria-current]')) a.removeAttribute('aria-current');
    const it = items.get(id);
    if (it) it.li.firstChild.setAttribute('aria-current', 'true');
  }

  // select opens exchange id and puts its permalink in the address bar,
  // so that a reload or a copied address opens it again.
  function select(id) {
    history.replaceState(history.state, '', permalink(id) + location.search);
    openDetail(id);
  }

  let detailSeq = 0;
  async function openDetail(id) {
    const seq = ++detailSeq;
    markSelected(id);
    setSelection({ id, rec: recFor(id) });
    const [res] = await Promise.all([fetchExchange(id), tables()]);
    if (seq !== detailSeq) return; // another was opened meanwhile
    const panel = $('live-detail');
    if (res.error) {
      setSelection(null);
      panel.classList.add('missing');
      put($('detail-title'), 'Exchange ' + id);
      put($('detail-error'), res.error);
      $('detail-error').hidden = false;
      panel.hidden = false;
      panel.focus();
      return;
    }
    const ex = res.ex;
    selection().exchange = ex;
    resetCompare(); // a comparison shown was of the exchange before
    panel.classList.remove('missing');
    $('detail-error').hidden = true;
    put($('detail-title'), '#' + ex.id + ' ' + ex.method + ' ' + ex.url + ' → ' + ex.status + ' ' + reason(ex.status));
    const link = $('detail-link');
    link.href = permalink(ex.id);
    put(link, location.origin + permalink(ex.id));
    $('detail-copied').textContent = '';
    $('copyas-status').textContent = '';
    $('copyas-box').hidden = true;
    facts($('detail-facts'), [
      ['Status', ex.status + ': ' + explain(ex.status)],
      ['Route', ex.upstream ? '' : ex.route || '(no route matched)'],
      ['Client', ex.client],
      ['Protocol', ex.proto + (ex.tls ? ', ' + ex.tls : ', no TLS')],
      ['Started', ex.started],
      ['Duration', ms(ex.duration_ms) + (ex.upstream ? ' in the proxy, the app\'s time included' : ' on the server')],
      ['Bytes', ex.bytes_in + ' in, ' + ex.bytes_out + ' out'],
      ['Request ID', ex.request_id],
      ['traceparent', ex.traceparent],
      ['Listener', ex.listener],
      ['Imported', ex.imported ? 'from a HAR file, not captured by this server' : ''],
      ...legFacts(ex.upstream),
      ...upgradeFacts(ex.upgrade),
    ]);
    showWaterfall(ex);
    $('detail-phases-h').hidden = $('detail-phases').hidden = !!ex.upstream; // the waterfall has them
    // An exchange this page sent has the browser's side too, on the same scale.
    const rec = selection().rec;
    const groups = [{ title: 'On the server, from the request\'s arrival', rows: phaseRows(ex) }];
    if (rec && rec.phases) {
      groups.unshift({ title: 'In this browser (Resource Timing), total ' + ms(rec.phases.total), rows: browserLabels.map(([k, label]) => [label, rec.phases[k]]) });
    }
    timingRows($('detail-phases'), groups);
    put($('detail-timing-note'), rec && rec.phases ? 'This page sent it, so the browser timed its side as well.'
      : ex.upstream ? '' : 'Only the client that sent a request can time the network\'s part of it (DNS, connecting, waiting); ' +
        (ex.client ? 'this one came from ' + ex.client + ', ' : '') + 'so the server\'s side is all there is here.');
    $('replay-form').hidden = true;
    $('replay-status').textContent = '';
    put($('detail-req'), exchangeRequestText(ex));
    put($('detail-res'), exchangeResponseText(ex));
    fill($('detail-payload'), payload(ex));
    fill($('detail-body'), responseBody(ex));
    previewOf = null;
    clear($('detail-preview'));
    showPreview();
    panel.hidden = false;
    panel.focus();
  }

  // showPreview renders the open exchange's Preview once its tab is shown:
  // an HTML body makes an iframe, not to be built for every exchange opened.
  let previewOf = null;
  function showPreview() {
    const ex = selection() && selection().exchange;
    if (!ex || previewOf === ex || $('tabp-preview').hidden) return;
    previewOf = ex;
    fill($('detail-preview'), preview(ex));
  }

  // The detail view's tabs keep the one chosen from exchange to exchange,
  // as DevTools does.
  tabs($('detail-tabs'), (name) => { if (name === 'preview') showPreview(); });

  function closeDetail() {
    ++detailSeq;
    $('live-detail').hidden = true;
    markSelected(null);
    if (addressId() !== null) history.replaceState(history.state, '', '/' + location.search);
  }
  $('detail-close').addEventListener('click', closeDetail);
  $('detail-link').addEventListener('click', (ev) => {
    if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault(); // it is open already: only the address changes
    if (selection() && selection().exchange) history.replaceState(history.state, '', permalink(selection().exchange.id) + location.search);
  });
  $('detail-copy').addEventListener('click', async () => {
    const ex = selection() && selection().exchange;
    if (!ex) return;
    const url = location.origin + permalink(ex.id);
    try {
      await navigator.clipboard.writeText(url);
      $('detail-copied').textContent = 'Copied.';
    } catch (e) {
      $('detail-copied').textContent = 'The browser would not copy it; copy the link instead.';
    }
  });
  // Copy as: the open exchange's request as a command or program that
  // sends it again, rendered by the server (GET .../as/{format}).
  const copyNames = { curl: 'curl', httpie: 'HTTPie', fetch: 'fetch', go: 'Go', http: 'raw HTTP' };
  async function copyAs(format) {
    const ex = selection() && selection().exchange;
    if (!ex) return;
    const status = $('copyas-status');
    const box = $('copyas-text');
    $('copyas-box').hidden = true;
    const path = '/exchanges/' + encodeURIComponent(ex.id) + '/as/' + format;
    let text;
    try {
      const res = await apiFetch(path);
      if ((res.headers.get('Content-Type') || '').startsWith('application/octet-stream')) {
        put(status, 'Its body is bytes, which the clipboard cannot hold: fetch ' + API + path + ' and pipe it to nc.');
        return;
      }
      text = await res.text();
    } catch (err) {
      put(status, 'Could not get it: ' + (err.detail || err.message));
      return;
    }
    const done = 'Copied as ' + copyNames[format] + '.' +
      (/The capture redacted|The body was cut at/.test(text) ? ' Read its first lines: it needs something set or was cut.' : '');
    try {
      await navigator.clipboard.writeText(text);
      put(status, done);
    } catch (e) {
      // No clipboard (a page over http:// from another host is not a
      // secure context, or permission was refused): select the text.
      box.value = text;
      $('copyas-box').hidden = false;
      box.focus();
      box.select();
      let copied = false;
      try { copied = document.execCommand('copy'); } catch (e2) { /* not supported */ }
      put(status, copied ? done : 'The browser would not copy it: it is selected below, for Ctrl+C (⌘C).');
    }
  }
  for (const b of $('copyas').querySelectorAll('button[data-format]')) {
    b.addEventListener('click', () => copyAs(b.dataset.format));
  }
  // c copies the open exchange as curl, except while typing.
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'c' || ev.altKey || ev.ctrlKey || ev.metaKey || ev.repeat) return;
    const t = ev.target;
    if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
    if ($('live-detail').hidden || !(selection() && selection().exchange)) return;
    ev.preventDefault();
    copyAs('curl');
  });
  $('detail-load').addEventListener('click', () => {
    const ex = selection() && selection().exchange;
    if (!ex) return;
    const headers = {};
    for (const [k, vs] of Object.entries(ex.request.headers || {})) {
      if (['content-length', 'user-agent', 'accept-encoding', 'connection', 'host'].includes(k.toLowerCase())) continue;
      headers[k] = vs.join(', ');
    }
    loadBuilder({ method: ex.method, path: ex.url, headers, body: ex.request.body || '' });
    $('req-path').focus();
  });
  $('detail-tour').addEventListener('click', () => startTour());

  // ---- Both legs of a proxied exchange ----

  // legFacts are the facts of the proxy's request to the app.
  function legFacts(up) {
    if (!up) return [];
    return [
      ['Sent on to', up.url],
      ['The app answered', up.status ? up.status + ' ' + reason(up.status) + (up.proto ? ', ' + up.proto : '') : ''],
      ['The app\'s address', up.remote ? up.remote + (up.reused ? ', on a connection kept open' : ', on a new connection') : ''],
      ['The app\'s Server-Timing', up.server_timing],
      ['Why the app did not answer', up.error],
      ['Tunnel', up.bytes_sent || up.bytes_received ? byteSize(up.bytes_sent) + ' sent, ' + byteSize(up.bytes_received) + ' received' : ''],
    ];
  }

  // upgradeFacts are what crossed after a protocol switch (a WebSocket).
  function upgradeFacts(u) {
    if (!u) return [];
    const out = [['Switched to', u.protocol]];
    if (typeof u.messages_sent === 'number') {
      out.push(['Messages', plural(u.messages_sent, 'message') + ' sent, ' + plural(u.messages_received || 0, 'message') + ' received' +
        (u.control_sent || u.control_received ? ' (and ' + ((u.control_sent || 0) + (u.control_received || 0)) + ' ping, pong or close frames)' : '')]);
    }
    out.push(['After the switch', byteSize(u.bytes_sent) + ' sent, ' + byteSize(u.bytes_received) + ' received']);
    return out;
  }

  // showWaterfall draws a proxied exchange's two legs on one clock: the
  // proxy's own phases as its server saw them, and its request to the
  // app as a client sees it, each bar placed where it began.
  function showWaterfall(ex) {
    const box = $('waterfall');
    const up = ex.upstream;
    const down = ex.phases || [];
    const legs = (up && up.phases) || [];
    box.hidden = !up;
    if (!up) return;
    const end = (p) => p.start_ms + p.duration_ms;
    const total = Math.max(ex.duration_ms || 0, ...down.map(end), ...legs.map(end), 0.001);
    const rows = $('waterfall-rows');
    clear(rows);
    const lane = (title, phases, kind) => {
      rows.append(el('div', { class: 'wf-lane', text: title }));
      if (!phases.length) rows.append(el('div', { class: 'wf-lane muted', text: up.error ? 'No answer: ' + up.error : 'not measured' }));
      for (const p of phases) {
        const bar = el('span', { class: 'wf-bar ' + kind + ' ph-' + p.name });
        bar.style.left = (p.start_ms / total) * 100 + '%';
        bar.style.width = Math.max(0.4, (p.duration_ms / total) * 100) + '%';
        const at = ms(p.start_ms);
        const r = el('div', { class: 'wf-row', 'data-phase': kind + ':' + p.name },
          el('span', { class: 'wf-label', text: p.label || p.name }),
          el('span', { class: 'wf-track', title: 'from ' + at + ' to ' + ms(end(p)) }, bar),
          el('span', { class: 'ms', text: ms(p.duration_ms) }));
        r.setAttribute('aria-label', (p.label || p.name) + ': ' + ms(p.duration_ms) + ', starting at ' + at);
        rows.append(r);
      }
    };
    lane('Client to proxy: the proxy\'s own work', down, 'down');
    lane('Proxy to app: its request, as a client sees it', legs, 'up');
    const sum = (names) => legs.filter((p) => names.includes(p.name)).reduce((a, p) => a + p.duration_ms, 0);
    const app = sum(['wait']);
    const network = sum(['dns', 'connect', 'tls', 'send', 'receive']);
    const proxyOwn = Math.max(0, (ex.duration_ms || 0) - app - network);
    put($('waterfall-sum'), legs.length
      ? 'Of ' + ms(ex.duration_ms) + ': the app took ' + ms(app) + ' to begin its answer, the network to and from it ' + ms(network) +
        ', and the proxy itself ' + ms(proxyOwn) + '.' + (up.server_timing ? ' The app\'s own Server-Timing: ' + up.server_timing + '.' : '')
      : 'The proxy got no answer from the app in ' + ms(ex.duration_ms) + '.');
  }

  // ---- Replay and edit ----

  const redactedText = /\[redacted\]|%5Bredacted%5D/i;

  // secretsIn names what the capture of ex redacted: replaying it blind
  // would send the placeholder, so the server refuses until it is given.
  function secretsIn(ex) {
    const out = [];
    if (redactedText.test(ex.url)) out.push('the URL\'s query');
    for (const [k, vs] of Object.entries(ex.request.headers || {})) {
      if (vs.some((v) => v === '[redacted]')) out.push(k);
    }
    return out;
  }

  const replaySkip = ['content-length', 'connection', 'host', 'x-request-id', 'transfer-encoding', 'keep-alive', 'te', 'trailer', 'upgrade', 'proxy-connection'];

  function openReplayForm(ex) {
    $('replay-method').value = ex.method;
    $('replay-url').value = ex.url;
    const lines = [];
    for (const [k, vs] of Object.entries(ex.request.headers || {})) {
      if (replaySkip.includes(k.toLowerCase())) continue;
      for (const v of vs) lines.push(k + ': ' + v);
    }
    $('replay-headers').value = lines.join('\n');
    const b = ex.request;
    $('replay-body').value = b.body || '';
    const secrets = secretsIn(ex);
    const note = $('replay-secret');
    const cut = b.body_truncated ? ' Its body was kept only in part: give it whole, or the replay is refused.' : '';
    note.hidden = !secrets.length && !cut && !b.body_base64;
    put(note, (secrets.length ? 'The capture redacted ' + secrets.join(' and ') + ': replace each [redacted] with the real value to send it.' : '') +
      cut + (b.body_base64 ? ' Its body is bytes, which this box cannot hold: leave it empty to send them as captured.' : ''));
    $('replay-form').hidden = false;
    const first = secrets.length ? (secrets[0] === 'the URL\'s query' ? $('replay-url') : $('replay-headers')) : $('replay-url');
    first.focus();
    if (first === $('replay-headers')) {
      const i = first.value.indexOf('[redacted]');
      if (i >= 0) first.setSelectionRange(i, i + '[redacted]'.length);
    }
  }

  // replay sends the open exchange again, edited when edit is given, and
  // says what came back, with a link to the new exchange.
  async function replay(edit) {
    const ex = selection() && selection().exchange;
    if (!ex) return;
    const status = $('replay-status');
    if (!edit && (secretsIn(ex).length || ex.request.body_truncated)) {
      openReplayForm(ex); // it cannot be sent blind: the form says why
      return;
    }
    put(status, 'Replaying #' + ex.id + '…');
    let r;
    try {
      const init = { method: 'POST' };
      if (edit) init.body = JSON.stringify(edit);
      if (edit) init.headers = { 'Content-Type': 'application/json' };
      r = await (await apiFetch('/exchanges/' + encodeURIComponent(ex.id) + '/replay', init)).json();
    } catch (err) {
      put(status, 'The replay failed: ' + (err.detail || err.message));
      return;
    }
    const seen = await waitForRequestId(r.request_id);
    const kids = [reveal('Replayed #' + ex.id + ' to ' + r.url + ': ' + r.status + ' ' + reason(r.status) + '. ')];
    if (seen) {
      kids.push(el('a', { href: permalink(seen.id), text: 'Open #' + seen.id,
        onclick: (ev) => { if (ev.button === 0 && !ev.metaKey && !ev.ctrlKey && !ev.shiftKey && !ev.altKey) { ev.preventDefault(); select(seen.id); } } }));
    }
    status.replaceChildren(...kids);
    if (edit) $('replay-form').hidden = true;
  }

  $('detail-replay').addEventListener('click', () => replay(null));
  $('detail-edit').addEventListener('click', () => { if (selection() && selection().exchange) openReplayForm(selection().exchange); });
  $('replay-cancel').addEventListener('click', () => { $('replay-form').hidden = true; $('detail-edit').focus(); });
  $('replay-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const headers = {};
    for (const line of $('replay-headers').value.split('\n')) {
      if (!line.trim()) continue;
      const i = line.indexOf(':');
      if (i <= 0) { put($('replay-status'), 'Each header line is Name: value; this one is not: ' + line); return; }
      const k = line.slice(0, i).trim();
      (headers[k] = headers[k] || []).push(line.slice(i + 1).trim());
    }
    // A header of the original left out of the box is removed.
    const ex = selection().exchange;
    for (const k of Object.keys(ex.request.headers || {})) {
      if (!replaySkip.includes(k.toLowerCase()) && !Object.keys(headers).some((h) => h.toLowerCase() === k.toLowerCase())) headers[k] = [''];
    }
    // Only what changed: an unchanged URL keeps the original's Host.
    const method = $('replay-method').value.trim();
    const url = $('replay-url').value.trim();
    const edit = { method: method !== ex.method ? method : '', url: url !== ex.url ? url : '', headers };
    if (!(ex.request.body_base64 && $('replay-body').value === '')) edit.body = $('replay-body').value;
    replay(edit);
  });

  // ---- Keys: move in the list, replay, filter ----

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
  document.addEventListener('keydown', (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || typing(ev.target)) return;
    if (tour.touring() && (ev.key === 'ArrowDown' || ev.key === 'ArrowUp')) return;
    const inList = ev.target && ev.target.closest && ev.target.closest('#live-list');
    if (ev.key === 'j' || ev.key === 'k' || (inList && (ev.key === 'ArrowDown' || ev.key === 'ArrowUp'))) {
      ev.preventDefault();
      moveInList(ev.key === 'j' || ev.key === 'ArrowDown' ? 1 : -1);
    } else if (ev.key === '/') {
      ev.preventDefault();
      filterBox.focus();
      filterBox.select();
    } else if (ev.key === 'r' && !ev.repeat && !$('live-detail').hidden && selection() && selection().exchange) {
      ev.preventDefault();
      replay(null);
    }
  });

  // ---- What this inspector watches ----

  // showMode says whether this is serve or a proxy, and in front of what;
  // a proxy's page keeps the inspector and leaves the lesson out, whose
  // experiments and builder talk to serve's own routes.
  async function showMode() {
    let m;
    try { m = await (await apiFetch('/info')).json(); } catch (e) { return; }
    const note = $('mode');
    document.body.dataset.mode = m.mode;
    if (m.mode === 'serve') return;
    document.body.classList.add('proxy');
    document.title = 'roundtrip proxy: ' + (m.mode === 'reverse' ? m.target : 'forward proxy') + ', inspected';
    put($('live-h'), 'Exchanges through the proxy');
    put(note, m.mode === 'reverse'
      ? 'Inspecting your app at ' + m.target + ': roundtrip proxy forwards every request sent to ' + m.listener + ' to it and shows each exchange here, with both legs timed.'
      : 'Inspecting a forward proxy at ' + m.listener + ': clients told to use it (curl --proxy, HTTPS_PROXY) show up here' +
        (m.intercept ? ', their HTTPS exchanges too, intercepted (they trust the proxy\'s CA).' : '; HTTPS goes through as tunnels, unread (--mitm intercepts them).'));
    note.hidden = false;
  }

  // ---- The visual model and its tour (tour.js) ----

  const tour = initTour({
    ms, reason, facts, header, send, afterRender, getExchange,
    requestText: exchangeRequestText,
    summary: (id) => (items.has(id) ? items.get(id).summary : null),
    selection,
    select: setSelection,
    lastSent,
    live,
  });
  const startTour = (fresh) => tour.start(fresh);

  // ---- Comparing two exchanges ----
  //
  // The detail view's Compare section, kept apart from the rest of it:
  // "Compare with…" makes the next row clicked in the live list (or the
  // id typed beside it) exchange b, and the exchange shown a, of
  // GET /diff, whose answer is shown below. It reads the selection's exchange
  // and nothing else of the detail view.

  const compare = { picking: false, a: null, seq: 0 };

  function comparePicking(on) {
    compare.picking = on;
    const btn = $('compare-pick');
    btn.setAttribute('aria-pressed', String(on));
    btn.textContent = on ? 'Cancel compare' : 'Compare with…';
    list.classList.toggle('picking', on);
    put($('compare-state'), on ? 'Pick the exchange to compare #' + compare.a + ' with: click its row in the list above. Esc cancels.' : '');
  }

  // resetCompare forgets a comparison: the detail view shows another exchange.
  function resetCompare() {
    ++compare.seq;
    if (compare.picking) comparePicking(false);
    put($('compare-state'), '');
    $('compare-result').hidden = true;
    $('compare-result').replaceChildren();
  }

  $('compare-pick').addEventListener('click', () => {
    if (compare.picking) { comparePicking(false); return; }
    const ex = selection() && selection().exchange;
    if (!ex) return;
    compare.a = ex.id;
    comparePicking(true);
    const other = [...list.querySelectorAll('a.row')].find((r) => Number(r.dataset.id) !== ex.id);
    if (other) other.focus();
  });

  // While picking, a click on a row picks it, before the row's own
  // handler would open it; a click meant for a new tab goes on as ever.
  list.addEventListener('click', (ev) => {
    if (!compare.picking) return;
    const row = ev.target.closest('a.row');
    if (!row || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    if ($('live-detail').hidden) { comparePicking(false); return; } // closed meanwhile: an ordinary click
    ev.preventDefault();
    ev.stopPropagation();
    comparePicking(false);
    showCompare(compare.a, Number(row.dataset.id));
  }, true);

  document.addEventListener('keydown', (ev) => {
    if (compare.picking && ev.key === 'Escape') {
      comparePicking(false);
      $('compare-pick').focus();
    }
  });

  $('compare-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const ex = selection() && selection().exchange;
    if (!ex) return;
    const raw = $('compare-id').value.trim().replace(/^#/, '');
    if (!/^[0-9]+$/.test(raw)) {
      put($('compare-state'), 'Type the number of the exchange to compare with, such as ' + ex.id + '.');
      return;
    }
    if (compare.picking) comparePicking(false);
    showCompare(ex.id, Number(raw));
  });

  async function showCompare(a, b) {
    const seq = ++compare.seq;
    const out = $('compare-result');
    out.setAttribute('aria-busy', 'true');
    put($('compare-state'), 'Comparing #' + a + ' with #' + b + '…');
    let r;
    try {
      r = await (await apiFetch('/diff?a=' + encodeURIComponent(a) + '&b=' + encodeURIComponent(b))).json();
    } catch (err) {
      if (seq !== compare.seq) return;
      out.hidden = true;
      out.setAttribute('aria-busy', 'false');
      put($('compare-state'), 'Could not compare: ' + (err.detail || err.message));
      return;
    }
    if (seq !== compare.seq) return; // another exchange, or another comparison, since
    put($('compare-state'), '');
    out.replaceChildren(...diffView(r));
    out.dataset.equal = String(r.equal);
    out.dataset.b = String(b);
    out.setAttribute('aria-busy', 'false');
    out.hidden = false;
    out.focus();
  }

  const sideName = (ex) => '#' + ex.id + ' ' + ex.method + ' ' + ex.url + ' → ' + ex.status;
  const arrow = (a, b) => a + ' → ' + b;

  // diffView renders the API's diff as nodes, every piece of text
  // through el, so through reveal.
  function diffView(r) {
    const equal = r.equal; // nothing but timing differs
    const nodes = [
      el('h5', { id: 'compare-title', text: 'Compared: #' + r.a.id + ' (a) with #' + r.b.id + ' (b)' }),
      el('p', { class: 'verdict ' + (equal ? 'ok' : 'bad'), text: equal ? '✓ The same, timing aside.' : '✗ They differ.' }),
    ];
    const facts = el('dl', { class: 'facts' });
    const fact = (k, v, cls) => facts.append(el('dt', { text: k }), el('dd', { class: cls, text: v }));
    fact('a', sideName(r.a));
    fact('b', sideName(r.b));
    fact('Status', r.status.equal ? r.status.a + ' in both' : arrow(r.status.a, r.status.b), r.status.equal ? null : 'diff-chg');
    if (r.method) fact('Method', arrow(r.method.a, r.method.b), 'diff-chg');
    if (r.url) fact('URL', arrow(r.url.a, r.url.b), 'diff-chg');
    nodes.push(facts);
    for (const [title, m] of [['Request', r.request], ['Response', r.response]]) nodes.push(...diffMessage(title, m));
    nodes.push(diffTiming(r.timing));
    const left = [];
    if (r.ignored.headers.length) left.push('headers ' + r.ignored.headers.join(', '));
    if (r.ignored.paths.length) left.push('JSON paths ' + r.ignored.paths.join(', '));
    nodes.push(el('p', { class: 'muted', text: left.length ? 'Left out: ' + left.join('; ') + '.' : 'Nothing left out.' }));
    return nodes;
  }

  function diffMessage(title, m) {
    const out = [el('h5', { text: title + ' headers' })];
    if (!m.headers.length) {
      out.push(el('p', { class: 'muted', text: 'The same.' }));
    } else {
      out.push(el('ul', { class: 'diff-list' }, m.headers.map((h) => {
        if (h.kind === 'added') return el('li', { class: 'diff-add', text: '+ ' + h.name + ': ' + h.b.join(', ') + ' (only in b)' });
        if (h.kind === 'removed') return el('li', { class: 'diff-del', text: '− ' + h.name + ': ' + h.a.join(', ') + ' (only in a)' });
        return el('li', { class: 'diff-chg', text: '~ ' + h.name + ': ' + arrow(h.a.join(', '), h.b.join(', ')) });
      })));
    }
    const b = m.body;
    const sizes = b.size_a === b.size_b ? byteSize(b.size_a) : arrow(byteSize(b.size_a), byteSize(b.size_b));
    out.push(el('h5', { text: title + ' body' + (b.kind === 'empty' ? '' : ' (' + b.kind + ')') }));
    let summary = b.kind === 'empty' && b.equal && !b.size_a ? 'None in either.' : sizes + (b.equal ? ', the same.' : ', different.');
    if (b.kind === 'json' && b.equal && b.size_a !== b.size_b) summary = sizes + ': written otherwise, the same JSON.';
    out.push(el('p', { class: b.equal ? 'muted' : null, text: summary }));
    if (b.truncated) out.push(el('p', { class: 'note', text: 'Captured in part: only the first ' + byteSize(b.compared || 0) + ' of each could be compared.' }));
    if (b.note) out.push(el('p', { class: 'note', text: b.note.charAt(0).toUpperCase() + b.note.slice(1) + '.' }));
    if (b.json && b.json.length) {
      out.push(el('ul', { class: 'diff-list diff-json' }, b.json.map((d) => {
        const v = d.kind === 'added' ? arrow('missing in a', d.b) : d.kind === 'removed' ? arrow(d.a, 'missing in b') : arrow(d.a, d.b);
        const cls = { added: 'diff-add', removed: 'diff-del' }[d.kind] || 'diff-chg';
        return el('li', { class: cls }, el('code', { text: d.path }), ': ' + v);
      })));
    }
    if (b.more) out.push(el('p', { class: 'muted', text: 'And ' + plural(b.more, 'more difference') + ', not listed.' }));
    if (b.binary) {
      const f = el('dl', { class: 'facts' });
      f.append(el('dt', { text: 'SHA-256 of a' }), el('dd', { text: b.binary.sha256_a }), el('dt', { text: 'SHA-256 of b' }), el('dd', { text: b.binary.sha256_b }));
      out.push(f);
    }
    if (b.text) out.push(...diffText(b.text));
    return out;
  }

  function diffText(t) {
    const out = [];
    if (t.coarse) {
      out.push(el('p', { class: 'note', text: 'Too different to compare line by line (' + t.coarse.reason + '). They differ from line ' + t.coarse.line + ':' }));
      out.push(el('pre', { class: 'diff-text' }, el('span', { class: 'diff-del', text: '-' + t.coarse.a + '\n' }), el('span', { class: 'diff-add', text: '+' + t.coarse.b })));
    }
    if (t.hunks.length) {
      const pre = el('pre', { class: 'diff-text', 'aria-label': 'Line diff: - only in a, + only in b' });
      for (const h of t.hunks) {
        pre.append(el('span', { class: 'diff-hunk', text: '@@ -' + h.a_start + ',' + h.a_len + ' +' + h.b_start + ',' + h.b_len + ' @@\n' }));
        for (const l of h.lines) {
          const cls = { '-': 'diff-del', '+': 'diff-add' }[l.op] || null;
          pre.append(el('span', { class: cls, text: l.op + l.text + (l.cut ? ' … (cut)' : '') + '\n' }));
          if (l.no_newline) pre.append(el('span', { class: 'muted', text: '\\ no newline at end\n' }));
        }
      }
      out.push(pre);
    }
    if (t.omitted) out.push(el('p', { class: 'muted', text: 'And ' + plural(t.omitted, 'more line') + ' added or removed, not listed.' }));
    return out;
  }

  function diffTiming(t) {
    const signed = (v) => {
      const abs = ms(Math.abs(v));
      return (/^0\.00 /.test(abs) ? '±' : v > 0 ? '+' : '−') + abs; // no −0.00 ms
    };
    const cell = (v) => el('td', { text: v === null || v === undefined ? '—' : ms(v) });
    const rows = [el('tr', {}, el('th', { scope: 'row', text: 'Total, on the server' }), cell(t.a_ms), cell(t.b_ms), el('td', { text: signed(t.delta_ms) }))];
    for (const p of t.phases) {
      rows.push(el('tr', {}, el('th', { scope: 'row', text: p.label || p.name }), cell(p.a_ms), cell(p.b_ms),
        el('td', { text: p.delta_ms === null ? (p.a_ms === null ? 'only in b' : 'only in a') : signed(p.delta_ms) })));
    }
    return el('table', { class: 'diff-timing' },
      el('caption', { text: 'Timing (not part of the verdict)' }),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Phase' }), el('th', { scope: 'col', text: 'a' }), el('th', { scope: 'col', text: 'b' }), el('th', { scope: 'col', text: 'b − a' }))),
      el('tbody', {}, rows));
  }

  // ---- Start ----

  $('origin').textContent = location.origin;
  showMode();
  initBuilder();
  setTables(loadExperiments(startTour));
  tables().then(() => { document.body.dataset.ready = 'true'; });
  // Subscribe before reading the history, so nothing falls between the two.
  const es = connectLive();
  loadFirst(filterBox.value.trim()).catch((err) => liveFailed(err, es));
  refreshStore();
  // Opened as /_roundtrip/x/{id}, a permalink: show that exchange, held in the list or not.
  const at = addressId();
  if (at !== null) openDetail(at);
}
