// builder.js: the request builder: any method, path, headers and body,
// sent by send.js; the result shows the status explained, the response,
// the raw request and the timings, the server's filled in as they come.
import { $, put, hiddenChar } from './dom.js';
import { ms, statusClass } from './format.js';
import { phaseRows, timingRows } from './network.js';
import { send, afterRender, prettyBody, browserLabels, onChange } from './send.js';
import { explain } from './state.js';

function parseHeaderLines(text) {
  const out = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const i = line.indexOf(':');
    if (i <= 0) throw new Error('Header line "' + line + '" has no "Name: value" colon.');
    out.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
  }
  return out;
}

function recTimingGroups(rec) {
  const p = rec.phases;
  return [
    {
      title: 'In the browser (Resource Timing)' + (p ? ', total ' + ms(p.total) : ''),
      rows: p ? browserLabels.map(([k, label]) => [label, p[k]]) : [],
      empty: 'The browser gave no timing entry for this request.',
    },
    {
      title: 'On the server (from the inspector)',
      rows: rec.exchange ? phaseRows(rec.exchange) : [],
      empty: serverNote(rec),
    },
  ];
}

// serverNote says why a request this page sent has no server phases (yet).
function serverNote(rec) {
  if (rec.exchange) return 'The inspector reported no phases for this request.';
  if (rec.error) return 'No response, so the server reported nothing.';
  if (/^\/(_roundtrip\/|metrics(\?|$))/.test(rec.path)) return 'The inspector does not record its own API or /metrics.';
  if (rec.unreported) return 'The inspector did not report this request (it may be off).';
  return 'Waiting for the inspector…';
}

function builderRequest() {
  const method = $('req-method').value;
  const headers = {};
  for (const [k, v] of parseHeaderLines($('req-headers').value)) headers[k] = v;
  const body = $('req-body').value;
  if ($('req-json').checked && body && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = 'application/json';
  }
  return { method, path: $('req-path').value.trim() || '/', headers, body };
}

function checkBuilder() {
  const note = $('req-note');
  note.className = 'note';
  // A form control cannot mark them, and they must be sent as they are.
  const hidden = ($('req-path').value + '\n' + $('req-headers').value).match(hiddenChar);
  if (hidden) {
    note.className = 'note bad';
    put(note, 'The path or headers hold characters that do not show as themselves: ' + [...new Set(hidden)].join(' ') + '. They will be sent as they are.');
    return;
  }
  const method = $('req-method').value;
  const body = $('req-body').value;
  if (body && (method === 'GET' || method === 'HEAD')) {
    note.textContent = 'fetch() cannot send a body with ' + method + ', so the body will be left out. Choose POST, PUT or PATCH to send it.';
    return;
  }
  if ($('req-json').checked && body) {
    try {
      JSON.parse(body);
      note.className = 'note ok';
      note.textContent = 'The body is valid JSON.';
    } catch (e) {
      note.className = 'note bad';
      put(note, 'Not valid JSON (' + e.message + '). Send it anyway to see how the server answers.');
    }
    return;
  }
  note.textContent = '';
}

// loadBuilder fills the form with req, to change before sending it.
export function loadBuilder(req) {
  $('req-method').value = req.method;
  $('req-path').value = req.path;
  const headers = Object.entries(req.headers || {}).filter(([k]) => k.toLowerCase() !== 'content-type' || !/json/.test(req.headers[k]));
  const json = Object.entries(req.headers || {}).some(([k, v]) => k.toLowerCase() === 'content-type' && /json/.test(v));
  $('req-headers').value = headers.map(([k, v]) => k + ': ' + v).join('\n');
  $('req-body').value = req.body || '';
  $('req-json').checked = json;
  checkBuilder();
}

let shownRec = null;
function showResult(rec) {
  shownRec = rec;
  const status = $('res-status');
  status.className = 'status ' + statusClass(rec.status);
  put(status, rec.error ? 'No response' : rec.status + ' ' + rec.statusText);
  put($('res-explain'), rec.error || explain(rec.status));
  showTimings(rec);
  put($('res-headers'), rec.resHeaders.map(([k, v]) => k + ': ' + v).join('\n'));
  put($('res-body'), rec.error ? '' : prettyBody(rec));
  showRaw(rec);
}

function showTimings(rec) {
  if (rec === shownRec) timingRows($('res-timings'), recTimingGroups(rec));
}

function showRaw(rec) {
  if (rec !== shownRec) return;
  put($('res-raw'), rec.serverRaw || rec.raw);
  $('raw-note').textContent = rec.serverRaw
    ? 'As the server received it, from the inspector: it includes what the browser added on its own.'
    : 'As this page built it. The browser also adds headers a script cannot see (User-Agent, Accept-Encoding, Connection); the version the server received replaces this once the exchange reaches the live list.';
}

// initBuilder wires the form: its note follows every change, and a
// record sent learns the server's side after it is shown.
export function initBuilder() {
  for (const id of ['req-method', 'req-path', 'req-headers', 'req-body', 'req-json']) $(id).addEventListener('input', checkBuilder);
  $('req-json').addEventListener('change', checkBuilder);
  // The examples are GETs of httpbin's endpoints and /respond, which
  // combines their behaviours: a click fills the form, to change or send.
  $('req-try').addEventListener('click', (ev) => {
    const b = ev.target.closest('button[data-path]');
    if (!b) return;
    loadBuilder({ method: 'GET', path: b.dataset.path, headers: {}, body: '' });
    $('req-path').focus();
  });
  $('req-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let req;
    try {
      req = builderRequest();
    } catch (err) {
      const note = $('req-note');
      note.className = 'note bad';
      put(note, err.message);
      return;
    }
    const button = $('req-send');
    button.disabled = true;
    $('result').setAttribute('aria-busy', 'true');
    const rec = await send(req);
    button.disabled = false;
    showResult(rec);
    $('result').setAttribute('aria-busy', 'false');
    afterRender(rec);
  });
  onChange((rec) => {
    showTimings(rec);
    if (rec.serverRaw) showRaw(rec);
  });
  checkBuilder();
}
