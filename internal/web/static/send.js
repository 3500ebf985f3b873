// send.js: how the page sends a request (for the builder, the experiment
// cards and the tour) and keeps a record of it, which learns the server's
// side when the live stream reports the exchange: the live list hands each
// event to noteExchange.
import { getExchange } from './api.js';
import { exchangeRequestText } from './network.js';
import { selection, setSelection, live, reason } from './state.js';

// sent maps X-Request-Id to what this page sent and saw, so the live
// list and the tour can add the browser's side to the server's.
const sent = new Map();
const recent = new Map(); // request id -> summary, of the last events: what this page sent is matched here
let last = null;
try { performance.setResourceTimingBufferSize(1000); } catch (e) { /* older browsers */ }

// lastSent is the record of what this page sent last, or null.
export const lastSent = () => last;

// changed is told when a record learns more after send returned: its
// server exchange, or that none will come. The builder shows it.
let changed = () => {};
export function onChange(fn) { changed = fn; }

// browserPhases turns a Resource Timing entry into the phases DevTools shows.
export function browserPhases(e) {
  if (!e) return null;
  const d = (a, b) => (a > 0 && b > 0 && b >= a) ? b - a : 0;
  const secure = e.secureConnectionStart > 0;
  return {
    queued: d(e.startTime, e.fetchStart),
    dns: d(e.domainLookupStart, e.domainLookupEnd),
    connect: d(e.connectStart, secure ? e.secureConnectionStart : e.connectEnd),
    tls: secure ? d(e.secureConnectionStart, e.connectEnd) : 0,
    request: d(Math.max(e.connectEnd, e.fetchStart), e.requestStart),
    waiting: d(e.requestStart, e.responseStart),
    download: d(e.responseStart, e.responseEnd),
    total: e.duration,
    reused: e.connectStart === e.connectEnd,
  };
}
export const browserLabels = [
  ['dns', 'DNS'], ['connect', 'TCP connect'], ['tls', 'TLS'], ['request', 'request'],
  ['waiting', 'waiting'], ['download', 'download'],
];

async function findEntry(href, since) {
  for (let i = 0; i < 20; i++) {
    const all = performance.getEntriesByName(href, 'resource').filter((e) => e.startTime >= since - 1);
    if (all.length) return all[all.length - 1];
    await new Promise((r) => setTimeout(r, 25));
  }
  return null;
}

function rawRequest(req, headers, host) {
  const lines = [req.method + ' ' + req.path + ' HTTP/1.1', 'Host: ' + host];
  for (const [k, v] of headers) lines.push(k + ': ' + v);
  return lines.join('\n') + '\n\n' + (req.body || '');
}

// send makes one request with fetch() and returns a record of it.
export async function send(req) {
  const path = req.path.startsWith('/') ? req.path : '/' + req.path;
  const url = new URL(path, req.origin || location.origin);
  const headers = Object.entries(req.headers || {});
  const hasBody = req.body && req.method !== 'GET' && req.method !== 'HEAD';
  const rec = {
    method: req.method, path, headers, body: hasBody ? req.body : '',
    raw: rawRequest({ method: req.method, path, body: hasBody ? req.body : '' }, headers, url.host), host: url.host,
    status: 0, statusText: '', resHeaders: [], resBody: '', error: '', requestId: '', exchangeId: null,
    phases: null, exchange: null, unreported: false, renderMs: null, sentAt: new Date(),
  };
  const init = { method: req.method, headers: new Headers(headers), cache: 'no-store' };
  if (hasBody) init.body = req.body;
  const t0 = performance.now();
  try {
    const res = await fetch(url, init);
    rec.status = res.status;
    rec.statusText = res.statusText || reason(res.status);
    rec.resHeaders = [...res.headers.entries()];
    rec.resBody = await res.text();
    rec.requestId = res.headers.get('X-Request-Id') || '';
  } catch (err) {
    rec.error = 'The request failed before any response: ' + err.message;
  }
  rec.readAt = performance.now();
  rec.phases = browserPhases(await findEntry(url.href, t0));
  if (rec.requestId) sent.set(rec.requestId, rec);
  last = rec;
  setSelection({ rec, id: rec.exchangeId }); // the tour follows what was sent last
  matchSent(rec);
  // The server's phases come with its exchange, through the live stream.
  // Without a request id or the stream there is none to wait for; else
  // give the inspector a few seconds before saying it did not report.
  if (!rec.requestId || !live()) rec.unreported = true;
  else setTimeout(() => { if (!rec.exchange) { rec.unreported = true; changed(rec); } }, 3000);
  return rec;
}

// afterRender records how long the page took to show rec: from the
// body being read to the next frame.
export function afterRender(rec) {
  requestAnimationFrame(() => { rec.renderMs = performance.now() - rec.readAt; });
}

// header is the first value of a response header rec saw, named in any case.
export function header(rec, name) {
  const h = rec.resHeaders.find(([k]) => k.toLowerCase() === name.toLowerCase());
  return h ? h[1] : '';
}

// prettyBody is rec's response body to show: JSON indented, a long one cut.
export function prettyBody(rec) {
  if (!rec.resBody) return rec.method === 'HEAD' ? '(HEAD responses have no body)' : '(empty body)';
  if (/json/.test(header(rec, 'content-type'))) {
    try { return JSON.stringify(JSON.parse(rec.resBody), null, 2); } catch (e) { /* show it as sent */ }
  }
  return rec.resBody.length > 100000 ? rec.resBody.slice(0, 100000) + '\n... (cut at 100000 characters)' : rec.resBody;
}

// noteExchange takes a live event's summary: a record this page sent is
// matched to it, now or when send returns.
export function noteExchange(s) {
  if (!s.request_id) return;
  recent.set(s.request_id, s);
  if (recent.size > 1000) recent.delete(recent.keys().next().value);
  if (sent.has(s.request_id)) matchSent(sent.get(s.request_id), s);
}

// matchSent ties a record this page sent to the server's exchange, and
// keeps the raw request as the server received it.
async function matchSent(rec, s) {
  if (!s) s = recent.get(rec.requestId);
  if (!s || rec.exchangeId) return;
  rec.exchangeId = s.id;
  const sel = selection();
  if (sel && sel.rec === rec) sel.id = s.id;
  const ex = await getExchange(s.id);
  if (!ex) {
    rec.unreported = true;
    changed(rec);
    return;
  }
  rec.exchange = ex;
  rec.serverRaw = exchangeRequestText(ex);
  changed(rec);
}

// recFor is the record of what this page sent that became exchange id, or null.
export function recFor(id) {
  for (const rec of sent.values()) if (rec.exchangeId === id) return rec;
  return null;
}

// waitForRequestId is the summary the live stream brought for rid, or
// null after a few seconds (the stream may be down, or it was filtered).
export async function waitForRequestId(rid) {
  for (let i = 0; rid && i < 30; i++) {
    const s = recent.get(rid);
    if (s) return s;
    await new Promise((done) => setTimeout(done, 100));
  }
  return null;
}
