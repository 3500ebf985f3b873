// network.js: the live list's columns and the detail view's tabs, as a
// browser's Network panel has them. Everything here builds nodes from an
// exchange the server captured: its text goes on the page through dom.js,
// and an HTML body is only rendered inside an iframe sandboxed to nothing.
import { el, put, reveal, clear } from './dom.js';
import { ms } from './format.js';

// ---- The list's columns ----

// shortType names a Content-Type as the Network panel's Type column does.
export function shortType(contentType) {
  const mime = String(contentType || '').split(';')[0].trim().toLowerCase();
  if (!mime) return '';
  const [type, sub = ''] = mime.split('/');
  if (sub === 'problem+json') return 'problem+json';
  if (sub === 'json' || sub.endsWith('+json')) return 'json';
  if (sub === 'html' || sub === 'xhtml+xml') return 'html';
  if (type === 'text' && sub === 'plain') return 'text';
  if (sub === 'javascript' || sub === 'ecmascript') return 'js';
  if (sub === 'css') return 'css';
  if (type === 'image') return 'image';
  if (type === 'font') return 'font';
  if (type === 'audio' || type === 'video') return 'media';
  if (sub === 'event-stream') return 'eventsource';
  if (sub === 'xml' || sub.endsWith('+xml')) return 'xml';
  if (sub === 'x-www-form-urlencoded') return 'form';
  if (type === 'multipart') return 'multipart';
  if (sub === 'octet-stream') return 'binary';
  return sub || type;
}

// humanSize is a byte count in the decimal units browsers show (1.2 kB).
export function humanSize(n) {
  const v = Number(n) || 0;
  if (v < 1000) return v + ' B';
  const units = ['kB', 'MB', 'GB', 'TB'];
  let x = v / 1000;
  let i = 0;
  while (x >= 1000 && i < units.length - 1) { x /= 1000; i++; }
  return (x < 100 ? x.toFixed(1) : String(Math.round(x))) + ' ' + units[i];
}

// rowName is the Name column: the path's last segment and the query, as
// on the request line (so an encoding mistake shows), or the whole target
// when it is not a path (CONNECT's host:port, OPTIONS *).
export function rowName(target) {
  const s = String(target || '');
  let rest = s;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(s);
  if (scheme) rest = s.slice(scheme[0].length) || '/';
  else if (!s.startsWith('/')) return s;
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q);
  const segs = path.split('/');
  let last = segs[segs.length - 1];
  if (!last && segs.length > 2) last = segs[segs.length - 2] + '/';
  if (!last) last = scheme ? scheme[0].replace(/^[a-z][a-z0-9+.-]*:\/\//i, '') + '/' : '/';
  return last + query;
}

// startedMs is an RFC 3339 time in milliseconds since the epoch, keeping
// the fraction below a millisecond that Date.parse drops: local exchanges
// are often apart by less.
export function startedMs(s) {
  const str = String(s || '');
  const m = /\.(\d+)/.exec(str);
  const whole = Date.parse(m ? str.replace(m[0], '') : str);
  if (Number.isNaN(whole)) return NaN;
  return m ? whole + Number('0.' + m[1]) * 1000 : whole;
}

// span is the earliest start and the latest end of the summaries given:
// the waterfall column's scale, the rows shown and no more.
export function span(summaries) {
  let from = Infinity;
  let to = -Infinity;
  for (const s of summaries) {
    const t = startedMs(s.started);
    if (Number.isNaN(t)) continue;
    from = Math.min(from, t);
    to = Math.max(to, t + (s.duration_ms || 0));
  }
  return from === Infinity ? null : { from, to, width: Math.max(to - from, 0.001) };
}

// ---- The detail view's tabs (the WAI-ARIA tabs pattern) ----

// tabs makes tablist's role=tab buttons switch their tabpanels: a click,
// or the arrow keys, Home and End, which move and select at once;
// onSelect is told the data-tab of the tab selected.
export function tabs(tablist, onSelect) {
  const all = () => [...tablist.querySelectorAll('[role="tab"]')].filter((t) => !t.hidden);
  function select(tab, focus) {
    for (const t of all()) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
    }
    if (focus) tab.focus();
    if (onSelect) onSelect(tab.dataset.tab);
  }
  tablist.addEventListener('click', (ev) => {
    const tab = ev.target.closest('[role="tab"]');
    if (tab) select(tab, false);
  });
  tablist.addEventListener('keydown', (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const list = all();
    const i = list.indexOf(document.activeElement);
    if (i < 0) return;
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: list.length - 1 }[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    ev.stopPropagation(); // the tour's own arrow keys are not for here
    select(list[(to + list.length) % list.length], true);
  });
}

// ---- Bodies ----

// header is the first value of a captured header, named in any case.
export function header(headers, name) {
  const k = Object.keys(headers || {}).find((x) => x.toLowerCase() === name.toLowerCase());
  return k ? headers[k][0] : '';
}

// bodyString is a captured message's body as text: its UTF-8 text, or
// its bytes decoded as the charset says (Latin-1 when it says none).
function bodyString(m, contentType) {
  if (m.body) return m.body;
  if (!m.body_base64) return '';
  const bytes = Uint8Array.from(atob(m.body_base64), (c) => c.charCodeAt(0));
  const charset = (/charset=["']?([\w-]+)/i.exec(contentType || '') || [])[1] || 'latin1';
  try { return new TextDecoder(charset).decode(bytes); } catch (e) { return new TextDecoder('latin1').decode(bytes); }
}

const hasBody = (m) => !!(m && (m.body || m.body_base64));

// cutNote says that only part of a body was kept, or is null.
function cutNote(m, what) {
  if (!m.body_truncated) return null;
  return el('p', { class: 'note warn cut', text: 'The capture kept only the first part of ' + what + ' (' +
    humanSize(m.body_size) + ' in all): what follows is of that part.' });
}

// noBody says why a message has nothing to show.
function noBody(m, what) {
  const text = m && m.body_size ? humanSize(m.body_size) + ' of ' + what + ', not kept by the capture.' : 'No ' + what + '.';
  return el('p', { class: 'muted', text });
}

function pretty(text) {
  try { return { text: JSON.stringify(JSON.parse(text), null, 2) }; } catch (e) { return { error: e.message }; }
}

// kvTable lays out name=value pairs, such as a query string's.
function kvTable(caption, pairs) {
  return el('table', { class: 'kv' },
    el('caption', { text: caption }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Name' }), el('th', { scope: 'col', text: 'Value' }))),
    el('tbody', {}, pairs.map(([k, v]) => el('tr', {}, el('th', { scope: 'row', text: k }), el('td', { text: v })))));
}

// params parses a query or form body; a malformed escape is kept as sent.
function params(raw) {
  const out = [];
  for (const part of raw.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const [k, v] = i < 0 ? [part, ''] : [part.slice(0, i), part.slice(i + 1)];
    const dec = (s) => { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch (e) { return s; } };
    out.push([dec(k), dec(v)]);
  }
  return out;
}

// payload is the Payload tab: the query string's parameters, and the
// request body, pretty-printed when it is JSON.
export function payload(ex) {
  const out = [];
  const q = String(ex.url || '').indexOf('?');
  if (q >= 0) {
    const raw = ex.url.slice(q + 1);
    const pairs = params(raw);
    out.push(el('h4', { text: 'Query string' }), el('p', { class: 'muted' }, 'As sent: ', el('code', { text: '?' + raw })));
    if (pairs.length) out.push(kvTable('Its parameters, decoded', pairs));
  }
  const m = ex.request || {};
  const ct = header(m.headers, 'Content-Type');
  const type = shortType(ct);
  out.push(el('h4', { text: 'Request body' + (type ? ' (' + type + ')' : '') }));
  if (!hasBody(m)) {
    out.push(noBody(m, 'request body'));
    return out;
  }
  out.push(cutNote(m, 'the body'));
  if (m.body_base64) {
    out.push(el('p', { class: 'muted', text: humanSize(m.body_size) + ' of bytes that are not text, as base64:' }),
      el('pre', { class: 'body', text: m.body_base64 }));
    return out;
  }
  if (type === 'json' || type === 'problem+json') {
    const p = m.body_truncated ? { error: 'cut short' } : pretty(m.body);
    if (p.text !== undefined) { out.push(el('pre', { class: 'body', text: p.text })); return out; }
    out.push(el('p', { class: 'note bad', text: 'Not valid JSON (' + p.error + '), shown as sent:' }));
  } else if (type === 'form') {
    out.push(kvTable('The form\'s fields, decoded', params(m.body)));
    return out;
  }
  out.push(el('pre', { class: 'body', text: m.body }));
  return out;
}

// jsonTree is a JSON value as nested <details>: the first level open,
// deeper ones closed until asked for.
export function jsonTree(value) {
  const MAX = 500; // children shown of one object or array
  function node(key, v, depth) {
    const label = key === null ? [] : [el('span', { class: 'jk', text: key }), ': '];
    if (v === null || typeof v !== 'object') {
      return el('div', { class: 'jl' }, label, el('span', { class: 'jv j-' + (v === null ? 'null' : typeof v), text: JSON.stringify(v) }));
    }
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
    const what = Array.isArray(v) ? 'array, ' + entries.length + (entries.length === 1 ? ' item' : ' items')
      : 'object, ' + entries.length + (entries.length === 1 ? ' key' : ' keys');
    const kids = entries.slice(0, MAX).map(([k, x]) => el('li', {}, node(k, x, depth + 1)));
    if (entries.length > MAX) kids.push(el('li', { class: 'muted', text: '… and ' + (entries.length - MAX) + ' more' }));
    return el('details', { class: 'jt', open: depth === 0 },
      el('summary', {}, label, el('span', { class: 'jm', text: (Array.isArray(v) ? '[ ' : '{ ') + what + (Array.isArray(v) ? ' ]' : ' }') })),
      el('ul', {}, kids));
  }
  return el('div', { class: 'json-tree' }, node(null, value, 0));
}

// srcdoc is an HTML body made safe to render: its own policy fetches
// nothing (no image, style or frame from this server, which would be
// requests of their own), on top of the iframe's empty sandbox, which
// runs no script and gives the document an origin of its own.
function srcdoc(html) {
  const meta = '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; style-src \'unsafe-inline\'">';
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
  return doctype ? doctype[0] + meta + html.slice(doctype[0].length) : meta + html;
}

// preview is the Preview tab: the response body rendered for its type.
export function preview(ex) {
  const m = ex.response || {};
  const ct = ex.content_type || header(m.headers, 'Content-Type');
  const type = shortType(ct);
  if (!hasBody(m)) return [noBody(m, 'response body to preview')];
  const out = [cutNote(m, 'the body')];
  if (type === 'html') {
    const frame = el('iframe', { class: 'preview-frame', sandbox: '', referrerpolicy: 'no-referrer',
      title: 'The HTML response, rendered with no script and nothing fetched' });
    frame.srcdoc = srcdoc(bodyString(m, ct));
    out.push(el('p', { class: 'muted', text: 'Rendered in a sandbox: no script runs and it fetches nothing, so it may look plainer than in a tab of its own.' }), frame);
    return out;
  }
  if (type === 'image') {
    if (!m.body_base64 || m.body_truncated) {
      out.push(el('p', { class: 'muted', text: m.body_truncated ? 'No preview: the image was kept only in part.' : 'No preview: the image was not captured as bytes.' }));
      return out;
    }
    const mime = String(ct).split(';')[0].trim();
    const size = el('figcaption', { class: 'muted', text: mime + ', ' + humanSize(m.body_size) });
    const img = el('img', { class: 'preview-img', src: 'data:' + mime + ';base64,' + m.body_base64, alt: reveal('The ' + mime + ' image the response carried').textContent });
    img.addEventListener('load', () => put(size, img.naturalWidth + ' × ' + img.naturalHeight + ' pixels, ' + mime + ', ' + humanSize(m.body_size)));
    img.addEventListener('error', () => put(size, 'The browser could not show these bytes as ' + mime + '.'));
    out.push(el('figure', { class: 'preview-fig' }, img, size));
    return out;
  }
  if (type === 'json' || type === 'problem+json') {
    let v;
    try {
      v = JSON.parse(bodyString(m, ct));
    } catch (e) {
      out.push(el('p', { class: 'note bad', text: m.body_truncated ? 'No preview: the JSON was cut short.' : 'No preview: not valid JSON (' + e.message + ').' }));
      return out;
    }
    if (type === 'problem+json' && v && typeof v === 'object') {
      out.push(el('div', { class: 'problem' },
        el('p', { class: 'problem-title', text: (v.status ? v.status + ' ' : '') + (v.title || 'A problem') }),
        v.detail ? el('p', { text: String(v.detail) }) : null,
        v.type && v.type !== 'about:blank' ? el('p', { class: 'muted', text: 'Type: ' + v.type }) : null),
      el('h4', { text: 'All its members' }));
    }
    out.push(jsonTree(v));
    return out;
  }
  if (String(ct).toLowerCase().startsWith('text/') || type === 'js' || type === 'xml') {
    out.push(el('pre', { class: 'body', text: bodyString(m, ct) }));
    return out;
  }
  out.push(el('p', { class: 'muted', text: 'No preview for ' + (type || 'a body without a Content-Type') + '.' }));
  return out;
}

// responseBody is the Response tab: the body as it came, as text.
export function responseBody(ex) {
  const m = ex.response || {};
  if (!hasBody(m)) return [noBody(m, 'response body')];
  const out = [cutNote(m, 'the body')];
  if (m.body_base64) {
    out.push(el('p', { class: 'muted', text: humanSize(m.body_size) + ' of bytes that are not text, as base64:' }));
    out.push(el('pre', { class: 'body', text: m.body_base64 }));
  } else {
    out.push(el('pre', { class: 'body', text: m.body }));
  }
  return out;
}

// fill replaces node's content with nodes, the nulls left out.
export function fill(node, nodes) {
  node.replaceChildren(...nodes.filter(Boolean));
}

// ---- Raw messages and timings ----

// bodyText is a captured body as the raw message shows it, or what
// stands in for it.
export function bodyText(m) {
  if (!m) return '';
  if (m.body_base64) return '(' + m.body_size + ' bytes of binary, shown in the HAR download)';
  if (!m.body) return m.body_size ? '(' + m.body_size + ' bytes, not kept)' : '';
  return m.body + (m.body_truncated ? '\n... (cut; ' + m.body_size + ' bytes in all)' : '');
}

export function headerText(h) {
  return Object.keys(h || {}).sort().flatMap((k) => h[k].map((v) => k + ': ' + v)).join('\n');
}

// exchangeRequestText is the request as the server received it.
export function exchangeRequestText(ex) {
  const head = ex.method + ' ' + ex.url + ' ' + ex.proto + '\nHost: ' + (ex.host || location.host);
  const h = headerText(ex.request && ex.request.headers);
  return head + (h ? '\n' + h : '') + '\n\n' + bodyText(ex.request);
}

// phaseRows lists an exchange's server-side phases, whichever the server reports.
export const phaseRows = (ex) => (ex.phases || []).map((p) => [p.label || p.name, p.duration_ms]);

// timingRows draws groups of [label, ms] rows as bars on one scale: the
// builder's result and the detail view's Timing tab.
export function timingRows(target, groups) {
  clear(target);
  let max = 0;
  for (const g of groups) for (const [, v] of g.rows) if (v > max) max = v;
  for (const g of groups) {
    target.append(el('div', { class: 'group', text: g.title }));
    if (!g.rows.length) {
      target.append(el('div', { class: 'group muted', text: g.empty || 'not measured' }));
      continue;
    }
    for (const [label, v] of g.rows) {
      const bar = el('span');
      bar.style.width = (max > 0 ? Math.max(0.5, (v / max) * 100) : 0.5) + '%';
      target.append(el('div', { text: label }), el('div', { class: 'bar' }, bar), el('div', { class: 'ms', text: ms(v) }));
    }
  }
}
