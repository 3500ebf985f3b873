// experiments.js: the lesson's four experiments as cards, from the same
// table as roundtrip lab (the experiments API): Run sends each step and
// checks the answer against what the table wants.
import { $, el, clear } from './dom.js';
import { API } from './api.js';
import { statusClass } from './format.js';
import { send, header, prettyBody } from './send.js';
import { loadBuilder } from './builder.js';
import { setSelection, learnTables, explain } from './state.js';

function checkWant(want, rec) {
  const bad = [];
  if (rec.status !== want.status) bad.push('status is ' + rec.status + '; want ' + want.status);
  for (const name of Object.keys(want.headers || {}).sort()) {
    const got = header(rec, name);
    if (!got.includes(want.headers[name])) bad.push(name + ' is "' + got + '"; want it to contain "' + want.headers[name] + '"');
  }
  for (const w of want.body || []) if (!rec.resBody.includes(w)) bad.push('body lacks ' + w);
  return bad;
}

function stepResult(step, rec, startTour) {
  const bad = rec.error ? [rec.error] : checkWant(step.want, rec);
  const shown = ['Content-Type', ...Object.keys(step.want.headers || {})]
    .filter((v, i, a) => a.indexOf(v) === i)
    .map((k) => [k, header(rec, k)]).filter(([, v]) => v);
  const div = el('div', { class: 'step', 'data-status': String(rec.status), 'data-ok': String(!bad.length) },
    el('pre', { class: 'req', text: rec.raw.trimEnd() }),
    el('p', { class: 'status ' + statusClass(rec.status), text: rec.error ? 'No response' : rec.status + ' ' + rec.statusText }),
    el('p', { text: explain(rec.status) }),
    shown.length ? el('pre', { class: 'res-headers', text: shown.map(([k, v]) => k + ': ' + v).join('\n') }) : null,
    el('pre', { class: 'res-body', text: prettyBody(rec).slice(0, 2000) }),
    el('p', { class: 'verdict ' + (bad.length ? 'bad' : 'ok'), text: bad.length ? '✗ Unexpected: ' + bad.join('; ') : '✓ As expected: ' + step.want.status }),
    el('p', { class: 'why' }, el('strong', { text: 'Why: ' }), step.why),
    el('div', { class: 'buttons' },
      el('button', { type: 'button', text: 'Tour this exchange', onclick: () => { setSelection({ rec, id: rec.exchangeId }); startTour(); $('model').scrollIntoView(); } }),
      el('button', { type: 'button', text: 'Open in the builder', onclick: () => { loadBuilder(step.request); $('builder').scrollIntoView(); $('req-path').focus(); } })));
  return { div, ok: !bad.length };
}

function card(x, startTour) {
  const out = el('div', { class: 'outcome', 'aria-live': 'polite' });
  const links = x.steps.filter((s) => s.browse).map((s) => el('li', {},
    el('a', { href: s.request.path, target: '_blank', rel: 'noopener', text: 'Open ' + s.request.path + ' in a new tab' }),
    ' (the address bar sends GET)'));
  const run = el('button', { type: 'button', class: 'primary run', text: 'Run experiment (' + x.label + ')' });
  const c = el('article', { class: 'card', id: 'exp-' + x.name, 'data-name': x.name },
    el('h3', { text: '(' + x.label + ') ' + x.title }),
    el('blockquote', { text: x.task }),
    run,
    out,
    el('p', {}, el('strong', { text: 'In the browser: ' }), x.browser),
    links.length ? el('ul', {}, links) : null);
  run.addEventListener('click', async () => {
    run.disabled = true;
    c.removeAttribute('data-outcome');
    clear(out);
    out.append(el('p', { class: 'muted', text: 'Running…' }));
    const results = [];
    for (const step of x.steps) results.push(stepResult(step, await send(step.request), startTour));
    clear(out);
    for (const r of results) out.append(r.div);
    c.setAttribute('data-outcome', results.every((r) => r.ok) ? 'pass' : 'fail');
    run.disabled = false;
    run.textContent = 'Run (' + x.label + ') again';
  });
  return c;
}

// loadExperiments reads the experiments API: the cards, and the tables
// every part of the page names a status with. startTour walks an exchange
// a card sent.
export async function loadExperiments(startTour) {
  const cards = $('cards');
  try {
    const res = await fetch(API + '/experiments', { cache: 'no-store' });
    if (!res.ok) throw new Error(res.status + ' ' + res.statusText);
    const data = await res.json();
    learnTables(data);
    clear(cards);
    for (const x of data.experiments || []) cards.append(card(x, startTour));
  } catch (err) {
    clear(cards);
    cards.append(el('p', { class: 'note bad', text: 'Could not load the experiments: ' + err.message }));
  }
}
