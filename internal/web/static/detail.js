// detail.js: the detail view of one exchange, opened from its row in the
// live list or from its permalink: the facts, the tabs (network.js), a
// proxied exchange's two legs, copy as, and replay or edit and replay.
// Its Compare section is compare.js.
import { $, reveal, put, el, clear } from './dom.js';
import { API, apiFetch, fetchExchange } from './api.js';
import { ms, byteSize, plural } from './format.js';
import {
  tabs, payload, preview, responseBody, fill, headerText, bodyText, exchangeRequestText, phaseRows, timingRows,
} from './network.js';
import { browserLabels, recFor, waitForRequestId } from './send.js';
import { loadBuilder } from './builder.js';
import { resetCompare } from './compare.js';
import { items, setSelection, selectedExchange, tables, explain, reason } from './state.js';

// permalink is exchange id's own address: opened, it shows the exchange.
export const permalink = (id) => '/_roundtrip/x/' + encodeURIComponent(id);

const typing = (t) => t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName));

// exchangeResponseText is the response as the server sent it.
function exchangeResponseText(ex) {
  const head = ex.proto + ' ' + ex.status + ' ' + reason(ex.status);
  const h = headerText(ex.response && ex.response.headers);
  return head + (h ? '\n' + h : '') + '\n\n' + bodyText(ex.response);
}

// facts lays out [name, value] pairs as a <dl>, leaving out the empty.
export function facts(target, pairs) {
  clear(target);
  for (const [k, v] of pairs) {
    if (v === undefined || v === null || v === '') continue;
    target.append(el('dt', { text: k }), el('dd', { text: String(v) }));
  }
}

// addressId is the exchange the address names, /_roundtrip/x/{id}: a
// number, or the text as it is for the server to refuse; null on any
// other address.
export function addressId() {
  const m = /^\/_roundtrip\/x\/([^/]+)$/.exec(location.pathname);
  if (!m) return null;
  let raw = m[1];
  try { raw = decodeURIComponent(raw); } catch (e) { /* keep it encoded */ }
  return /^[0-9]+$/.test(raw) && Number.isSafeInteger(Number(raw)) ? Number(raw) : raw;
}

// markSelected marks exchange id's row in the live list as the one open.
function markSelected(id) {
  for (const a of $('live-list').querySelectorAll('a[aria-current]')) a.removeAttribute('aria-current');
  const it = items.get(id);
  if (it) it.li.firstChild.setAttribute('aria-current', 'true');
}

// select opens exchange id and puts its permalink in the address bar,
// so that a reload or a copied address opens it again.
export function select(id) {
  history.replaceState(history.state, '', permalink(id) + location.search);
  openDetail(id);
}

let detailSeq = 0;
export async function openDetail(id) {
  const seq = ++detailSeq;
  markSelected(id);
  const sel = { id, rec: recFor(id) };
  setSelection(sel);
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
  // This open's own selection: one a request sent meanwhile set is not
  // this exchange.
  sel.exchange = ex;
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
    ['Trace ID', ex.trace_id],
    ['Span ID', ex.span_id ? ex.span_id + ' (the server\'s span; Server-Timing: traceparent)' : ''],
    ['traceparent', ex.traceparent ? ex.traceparent + ' (the client\'s)' : ''],
    ['Listener', ex.listener],
    ['Imported', ex.imported ? 'from a HAR file, not captured by this server' : ''],
    ...legFacts(ex.upstream),
    ...upgradeFacts(ex.upgrade || ex.stream),
  ]);
  showMessages(ex);
  showWaterfall(ex);
  showBothEnds(ex, seq);
  $('detail-phases-h').hidden = $('detail-phases').hidden = !!ex.upstream; // the waterfall has them
  // An exchange this page sent has the browser's side too, on the same scale.
  const rec = sel.rec;
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
  const ex = selectedExchange();
  if (!ex || previewOf === ex || $('tabp-preview').hidden) return;
  previewOf = ex;
  fill($('detail-preview'), preview(ex));
}

export function closeDetail() {
  ++detailSeq;
  $('live-detail').hidden = true;
  markSelected(null);
  if (addressId() !== null) history.replaceState(history.state, '', '/' + location.search);
}

// Copy as: the open exchange's request as a command or program that
// sends it again, rendered by the server (GET .../as/{format}).
const copyNames = { curl: 'curl', httpie: 'HTTPie', fetch: 'fetch', go: 'Go', http: 'raw HTTP' };
async function copyAs(format) {
  const ex = selectedExchange();
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

// upgradeFacts are what crossed after a protocol switch (a WebSocket), or
// in an event stream (SSE), which is one exchange however long it runs.
function upgradeFacts(u) {
  if (!u) return [];
  if (u.protocol === 'sse') {
    return [['Event stream', plural(u.messages_received || 0, 'event') + ' received, ' + byteSize(u.bytes_received)]];
  }
  const out = [['Switched to', u.protocol]];
  if (typeof u.messages_sent === 'number') {
    out.push(['Messages', plural(u.messages_sent, 'message') + ' sent, ' + plural(u.messages_received || 0, 'message') + ' received' +
      (u.control_sent || u.control_received ? ' (and ' + ((u.control_sent || 0) + (u.control_received || 0)) + ' ping, pong or close frames)' : '')]);
  }
  out.push(['After the switch', byteSize(u.bytes_sent) + ' sent, ' + byteSize(u.bytes_received) + ' received']);
  return out;
}

// showMessages fills the Messages tab, as DevTools' for a WebSocket or an
// EventSource: the first messages each way the capture kept, in order.
// The tab shows only for an exchange that has them to show.
function showMessages(ex) {
  const s = ex.upgrade || ex.stream;
  const tab = $('tab-messages');
  const rows = $('messages-rows');
  clear(rows);
  tab.hidden = !s;
  if (!s) {
    if (tab.getAttribute('aria-selected') === 'true') $('tab-headers').click();
    return;
  }
  const kept = s.messages || [];
  const sse = s.protocol === 'sse';
  const total = (s.messages_sent || 0) + (s.messages_received || 0);
  put($('messages-sum'), sse
    ? plural(s.messages_received || 0, 'event') + ' from the server, ' + byteSize(s.bytes_received) + '.'
    : plural(s.messages_sent || 0, 'message') + ' from the client (↑), ' + plural(s.messages_received || 0, 'message') + ' from the server (↓).');
  for (const m of kept) {
    const up = m.dir === 'sent';
    let data = m.text !== undefined ? m.text : m.base64 !== undefined ? 'binary, base64: ' + m.base64 : '';
    if (m.type === 'close') data = 'close ' + (m.code || '') + (m.text ? ' ' + m.text : '');
    const type = sse ? (m.event || 'message') + (m.id ? ' #' + m.id : '') : m.type + (m.compressed ? ' (compressed)' : '');
    rows.append(el('tr', { class: up ? 'sent' : 'received' },
      el('td', { 'aria-label': up ? 'from the client' : 'from the server' }, up ? '↑' : '↓'),
      el('td', {}, ms(m.at_ms)),
      el('td', {}, type),
      el('td', { class: 'data' }, data, m.cut ? el('span', { class: 'muted' }, ' … cut: ' + byteSize(Math.min(m.size, 1024)) + ' of ' + byteSize(m.size) + ' kept') : ''),
      el('td', {}, byteSize(m.size))));
  }
  $('messages-table').hidden = kept.length === 0;
  let note = '';
  if (kept.length === 0 && total > 0) note = 'No message was kept: this server keeps no bodies (--max-body-capture), so it keeps no messages either; the counts are all there is.';
  else if (kept.length < total) note = 'The first ' + plural(kept.length, 'message') + ' of ' + total + ' are shown: the capture keeps the first 20 each way, up to 1 KiB each.';
  put($('messages-note'), note);
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

// showBothEnds draws the exchange from both ends, when its client reported
// its side (roundtrip request --report-to): the client's phases, and the
// server's placed on the client's clock by the API, inside the client's
// span, with the offset's uncertainty (± RTT/2) drawn around them.
async function showBothEnds(ex, seq) {
  const box = $('both-ends');
  box.hidden = true;
  let both;
  try {
    both = await (await apiFetch('/exchanges/' + encodeURIComponent(ex.id) + '/client')).json();
  } catch (err) {
    return; // no client reported it: the usual case
  }
  if (seq !== detailSeq) return;
  const c = both.client;
  const total = Math.max(c.total_ms, 0.001);
  const rows = $('both-ends-rows');
  clear(rows);
  const row = (kind, name, label, start, dur, extra) => {
    const bar = el('span', { class: 'wf-bar ' + kind + ' ph-' + name });
    bar.style.left = (start / total) * 100 + '%';
    bar.style.width = Math.max(0.4, (dur / total) * 100) + '%';
    const track = el('span', { class: 'wf-track', title: 'from ' + ms(start) + ' to ' + ms(start + dur) });
    if (extra) track.append(extra);
    track.append(bar);
    const r = el('div', { class: 'wf-row', 'data-phase': kind + ':' + name },
      el('span', { class: 'wf-label', text: label }), track, el('span', { class: 'ms', text: ms(dur) }));
    r.setAttribute('aria-label', label + ': ' + ms(dur) + ', starting at ' + ms(start));
    rows.append(r);
  };
  rows.append(el('div', { class: 'wf-lane', text: 'The client: ' + c.method + ' ' + c.url }));
  row('client', 'total', 'the whole exchange', 0, c.total_ms);
  for (const p of c.phases || []) row('client', p.name, p.label, p.start_ms, p.duration_ms);
  rows.append(el('div', { class: 'wf-lane', text: 'The server, inside the client\'s wait' }));
  const u = both.uncertainty_ms || 0;
  const spread = () => {
    if (!u) return null;
    const band = el('span', { class: 'wf-uncertain', title: '± ' + ms(u) + ': how far the clock offset may be off' });
    const from = Math.max(0, both.server_start_ms - u);
    const to = Math.min(total, both.server_end_ms + u);
    band.style.left = (from / total) * 100 + '%';
    band.style.width = ((to - from) / total) * 100 + '%';
    return band;
  };
  row('server', 'total', 'the server\'s span', both.server_start_ms, both.server_end_ms - both.server_start_ms, spread());
  for (const p of both.server || []) row('server', p.name, p.label, p.start_ms, p.duration_ms);
  put($('both-ends-sum'), both.same_clock
    ? 'The client and the server are one machine, so one clock times both ends.'
    : 'The server\'s clock is ' + ms(Math.abs(both.offset_ms)) + (both.offset_ms >= 0 ? ' ahead of' : ' behind') +
      ' the client\'s, estimated as NTP does from the four instants (± ' + ms(u) + ', half the ' + ms(both.rtt_ms) +
      ' round trip); the server\'s span is drawn inside the client\'s whatever the estimate.');
  box.hidden = false;
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
  const ex = selectedExchange();
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

// initDetail wires the detail view's controls and keys; startTour walks
// the exchange shown.
export function initDetail({ startTour }) {
  // The detail view's tabs keep the one chosen from exchange to exchange,
  // as DevTools does.
  tabs($('detail-tabs'), (name) => { if (name === 'preview') showPreview(); });

  $('detail-close').addEventListener('click', closeDetail);
  $('detail-link').addEventListener('click', (ev) => {
    if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault(); // it is open already: only the address changes
    if (selectedExchange()) history.replaceState(history.state, '', permalink(selectedExchange().id) + location.search);
  });
  $('detail-copy').addEventListener('click', async () => {
    const ex = selectedExchange();
    if (!ex) return;
    const url = location.origin + permalink(ex.id);
    try {
      await navigator.clipboard.writeText(url);
      $('detail-copied').textContent = 'Copied.';
    } catch (e) {
      $('detail-copied').textContent = 'The browser would not copy it; copy the link instead.';
    }
  });
  for (const b of $('copyas').querySelectorAll('button[data-format]')) {
    b.addEventListener('click', () => copyAs(b.dataset.format));
  }
  // Keys, except while typing: c copies the open exchange as curl, r replays it.
  document.addEventListener('keydown', (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.repeat || typing(ev.target)) return;
    if ((ev.key !== 'c' && ev.key !== 'r') || $('live-detail').hidden || !selectedExchange()) return;
    ev.preventDefault();
    if (ev.key === 'c') copyAs('curl');
    else replay(null);
  });
  $('detail-load').addEventListener('click', () => {
    const ex = selectedExchange();
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
  $('detail-replay').addEventListener('click', () => replay(null));
  $('detail-edit').addEventListener('click', () => { if (selectedExchange()) openReplayForm(selectedExchange()); });
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
    const ex = selectedExchange();
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
}
