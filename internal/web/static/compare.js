// compare.js: the detail view's Compare section. "Compare with…" makes
// the next row clicked in the live list (or the id typed beside it)
// exchange b, and the exchange shown a, of GET /diff, whose answer is
// shown below. It reads the selection's exchange and nothing else of the
// detail view.
import { $, el, put } from './dom.js';
import { apiFetch } from './api.js';
import { ms, byteSize, plural } from './format.js';
import { selectedExchange } from './state.js';

const compare = { picking: false, a: null, seq: 0 };
const list = $('live-list');

function comparePicking(on) {
  compare.picking = on;
  const btn = $('compare-pick');
  btn.setAttribute('aria-pressed', String(on));
  btn.textContent = on ? 'Cancel compare' : 'Compare with…';
  list.classList.toggle('picking', on);
  put($('compare-state'), on ? 'Pick the exchange to compare #' + compare.a + ' with: click its row in the list above. Esc cancels.' : '');
}

// resetCompare forgets a comparison: the detail view shows another exchange.
export function resetCompare() {
  ++compare.seq;
  if (compare.picking) comparePicking(false);
  put($('compare-state'), '');
  $('compare-result').hidden = true;
  $('compare-result').replaceChildren();
}

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

// initCompare wires the section's controls, and the live list's rows
// while one is being picked.
export function initCompare() {
  $('compare-pick').addEventListener('click', () => {
    if (compare.picking) { comparePicking(false); return; }
    const ex = selectedExchange();
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
    const ex = selectedExchange();
    if (!ex) return;
    const raw = $('compare-id').value.trim().replace(/^#/, '');
    if (!/^[0-9]+$/.test(raw)) {
      put($('compare-state'), 'Type the number of the exchange to compare with, such as ' + ex.id + '.');
      return;
    }
    if (compare.picking) comparePicking(false);
    showCompare(ex.id, Number(raw));
  });
}
