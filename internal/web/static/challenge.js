// challenge.js: the lesson's coding challenge, solved by the learner in
// the page. The routes, cases and hints come from the server (package
// route, GET /challenge); the learner's code runs in a worker
// (challenge-worker.js) with a time limit; their own server is checked by
// the server (POST /challenge/check), as roundtrip challenge does.
import { $, el, put, clear } from './dom.js';
import { API, apiFetch } from './api.js';

{
  const storageKey = 'roundtrip.challenge.v1';
  const timeLimit = 2000; // ms for all the cases together
  const starter = [
    '// req is {method, path}, such as {method: "GET", path: "/hello?x=1"}.',
    '// Return {status, body}: a number and a string.',
    'function handleRequest(req) {',
    '  // Your code here.',
    '  return { status: 404, body: "Not Found" };',
    '}',
    '',
  ].join('\n');

  const code = $('ch-code');
  const gutter = $('ch-gutter');
  let table = null; // {routes, cases, hints} from the server
  let worker = null;
  let timer = 0;

  // ---- The editor: a textarea with line numbers beside it ----

  function syncGutter() {
    const lines = code.value.split('\n').length;
    if (Number(gutter.dataset.lines) !== lines) {
      gutter.dataset.lines = String(lines);
      put(gutter, Array.from({ length: lines }, (_, i) => String(i + 1)).join('\n'));
    }
    gutter.scrollTop = code.scrollTop;
  }

  function save() {
    try { localStorage.setItem(storageKey, code.value); } catch (e) { /* storage off: the code lives until reload */ }
  }

  function load() {
    let saved = null;
    try { saved = localStorage.getItem(storageKey); } catch (e) { /* storage off */ }
    code.value = saved === null ? starter : saved;
    syncGutter();
  }

  // replaceText puts text in the editor as typing would, so Ctrl+Z undoes it.
  function replaceText(text, all) {
    code.focus();
    if (all) code.select();
    if (!document.execCommand('insertText', false, text)) {
      code.setRangeText(text, all ? 0 : code.selectionStart, all ? code.value.length : code.selectionEnd, 'end');
    }
    save();
    syncGutter();
  }

  // Tab indents; Esc and then Tab leaves, so the editor is no keyboard trap.
  let leaving = false;
  code.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') { leaving = true; return; }
    const tab = ev.key === 'Tab' && !ev.shiftKey && !ev.ctrlKey && !ev.altKey && !ev.metaKey;
    if (tab && !leaving) {
      ev.preventDefault();
      replaceText('  ', false);
    }
    leaving = false;
  });
  code.addEventListener('input', () => { save(); syncGutter(); });
  code.addEventListener('scroll', syncGutter);
  $('ch-reset').addEventListener('click', () => {
    replaceText(starter, true);
    put($('ch-summary'), 'The editor holds the starting code again; Ctrl+Z in it brings yours back.');
    $('ch-summary').className = 'note';
  });

  // ---- Results, from the page's run or from the server's check ----

  const shown = (v) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  const answer = (status, body) => shown(status) + ' ' + shown(body);
  const quoted = (s) => (s === '' ? '""' : s);
  // excerpt keeps a server's answer to a line: its start says whether it is right.
  const excerpt = (s) => (s.length > 60 ? s.slice(0, 60) + '…' : s);

  // caseItem is one case's line: ✓ or ✗ (or – when not sent), the request,
  // and what came back beside what the lesson wants.
  function caseItem(c, outcome, got) {
    const mark = { pass: '✓', fail: '✗', skip: '–' }[outcome];
    const word = { pass: 'passes', fail: 'fails', skip: 'not sent' }[outcome];
    return el('li', { class: 'ch-case ' + outcome },
      el('span', { class: 'ch-mark', 'aria-hidden': 'true' }, mark),
      el('span', { class: 'ch-sr' }, word + ': '),
      el('code', { class: 'ch-req' }, quoted(c.method) + ' ' + quoted(c.path)),
      ' ',
      el('span', { class: 'ch-got' }, got),
      outcome === 'skip' ? null : el('span', { class: 'ch-want' }, 'want ' + answer(c.want.status, c.want.body)));
  }

  // showHints lists the hint for each rule a case failed, once, in the
  // table's order.
  function showHints(box, rules) {
    clear(box);
    if (!rules.length) return;
    box.append(el('h4', {}, 'Hints'), el('ul', { class: 'ch-hints' },
      rules.map((rule) => el('li', {}, el('strong', {}, rule + ': '), (table.hints && table.hints[rule]) || ''))));
  }

  function summary(node, text, ok) {
    node.className = 'note ' + (ok ? 'ok' : 'bad');
    put(node, text);
  }

  // ---- Run tests: the learner's code in a worker, with a time limit ----

  function stopWorker() {
    clearTimeout(timer);
    if (worker) worker.terminate();
    worker = null;
    $('ch-run').disabled = false;
    $('ch-results').setAttribute('aria-busy', 'false');
  }

  function showRun(msg) {
    const list = $('ch-list');
    clear(list);
    const box = $('ch-hints');
    if (msg.kind === 'syntax') {
      showHints(box, []);
      return summary($('ch-summary'), 'Your code has a syntax error, so no case ran: ' + msg.error, false);
    }
    if (msg.kind === 'load') {
      showHints(box, []);
      return summary($('ch-summary'), 'Your code threw an exception before any case ran: ' + msg.error, false);
    }
    if (msg.kind === 'missing') {
      showHints(box, []);
      return summary($('ch-summary'), 'Your code defines no function named handleRequest.', false);
    }
    let passed = 0;
    const failed = [];
    table.cases.forEach((c, i) => {
      const r = msg.results[i] || {};
      let got;
      let pass = false;
      if (r.threw !== undefined) got = 'threw ' + r.threw;
      else if (r.wrong !== undefined) got = r.wrong;
      else {
        got = 'got ' + answer(r.status, r.body);
        pass = r.status === c.want.status && r.body === c.want.body;
      }
      if (pass) passed++;
      else if (!failed.includes(c.rule)) failed.push(c.rule);
      list.append(caseItem(c, pass ? 'pass' : 'fail', got));
    });
    showHints(box, failed);
    const n = table.cases.length;
    summary($('ch-summary'), passed + ' of ' + n + ' cases pass' + (passed === n ? '. Well done!' : '.'), passed === n);
  }

  function runTests() {
    if (!table) return;
    stopWorker();
    $('ch-run').disabled = true;
    $('ch-results').setAttribute('aria-busy', 'true');
    $('ch-summary').className = 'note';
    put($('ch-summary'), 'Running ' + table.cases.length + ' cases…');
    worker = new Worker('/_roundtrip/static/challenge-worker.js');
    worker.onmessage = (ev) => { stopWorker(); showRun(ev.data); };
    worker.onerror = (ev) => {
      ev.preventDefault();
      stopWorker();
      summary($('ch-summary'), 'The test runner failed: ' + (ev.message || 'it could not start') + '.', false);
    };
    timer = setTimeout(() => {
      stopWorker();
      clear($('ch-list'));
      showHints($('ch-hints'), []);
      summary($('ch-summary'), 'Your code did not finish in 2 s: an infinite loop? It was stopped; fix it and run again.', false);
    }, timeLimit);
    worker.postMessage({ code: code.value, cases: table.cases.map((c) => ({ method: c.method, path: c.path })) });
  }
  $('ch-run').addEventListener('click', runTests);

  // ---- A solution, fetched only when asked for ----

  let solution = '';
  $('ch-solution').addEventListener('click', async () => {
    const box = $('ch-solution-box');
    try {
      const res = await fetch('/_roundtrip/static/challenge-solution.js', { cache: 'no-cache' });
      if (!res.ok) throw new Error(res.status + ' ' + res.statusText);
      solution = await res.text();
    } catch (err) {
      summary($('ch-solution-note'), 'Could not load the solution: ' + err.message, false);
      box.hidden = false;
      return;
    }
    put($('ch-solution-code'), solution);
    put($('ch-solution-note'), '');
    box.hidden = false;
    $('ch-solution-h').focus();
  });
  $('ch-use').addEventListener('click', () => {
    if (!solution) return;
    replaceText(solution, true);
    summary($('ch-solution-note'), 'The solution is in the editor: Run tests to see it pass. Ctrl+Z in the editor brings your code back.', true);
  });

  // ---- Check your own server, through roundtrip's server ----

  $('ch-check-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const results = $('ch-check-results');
    const note = $('ch-check-summary');
    const list = $('ch-check-list');
    const button = $('ch-check');
    button.disabled = true;
    results.setAttribute('aria-busy', 'true');
    note.className = 'note';
    put(note, 'Sending the cases to ' + $('ch-server').value + '…');
    clear(list);
    showHints($('ch-check-hints'), []);
    try {
      const res = await apiFetch('/challenge/check', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ server: $('ch-server').value.trim() }),
      });
      const rep = await res.json();
      for (const r of rep.results) {
        if (r.skip) list.append(caseItem(r.case, 'skip', r.skip));
        else if (r.error) list.append(caseItem(r.case, 'fail', 'no answer: ' + r.error));
        else list.append(caseItem(r.case, r.pass ? 'pass' : 'fail', 'got ' + answer(r.status, excerpt(r.body))));
      }
      showHints($('ch-check-hints'), rep.hints.map((h) => h.rule));
      const skipped = rep.results.length - rep.sent;
      summary(note, rep.passed + ' of ' + rep.sent + ' cases pass on ' + rep.server + '; ' + skipped +
        ' not sent over HTTP (see why below).', rep.sent > 0 && rep.passed === rep.sent);
    } catch (err) {
      summary(note, err.detail || err.message, false);
    } finally {
      button.disabled = false;
      results.setAttribute('aria-busy', 'false');
    }
  });

  // ---- The task's table, from the server ----

  async function loadTable() {
    const body = $('ch-routes-body');
    try {
      const res = await fetch(API + '/challenge', { cache: 'no-store' });
      if (!res.ok) throw new Error(res.status + ' ' + res.statusText);
      table = await res.json();
    } catch (err) {
      clear(body);
      body.append(el('tr', {}, el('td', { colspan: '3', class: 'note bad' }, 'Could not load the challenge: ' + err.message)));
      return;
    }
    clear(body);
    for (const r of table.routes) {
      body.append(el('tr', {}, el('td', {}, el('code', {}, r.method)), el('td', {}, el('code', {}, r.path)), el('td', {}, el('code', {}, r.body))));
    }
    put($('ch-count'), String(table.cases.length));
    $('ch-run').disabled = false;
    $('challenge').dataset.ready = 'true';
  }

  load();
  loadTable();
}
