// quiz.js: the lesson's Quick Quiz, from the table the server serves at
// /_roundtrip/api/quiz (the one roundtrip quiz asks). An answer is
// explained at once, right or wrong; a question with a check can prove its
// answer with a real request to this server. Answers stay in localStorage.
import { $, el, put, clear } from './dom.js';
import { apiFetch } from './api.js';

const KEY = 'roundtrip.quiz.v1';

const list = $('quiz-list');
const score = $('quiz-score');
const reset = $('quiz-reset');
let questions = [];
let answers = load();

// load is the saved answers, {id: choice index}; anything unreadable is
// no progress rather than a broken quiz.
function load() {
  try {
    const v = JSON.parse(localStorage.getItem(KEY) || '{}');
    return v && v.answers && typeof v.answers === 'object' ? v.answers : {};
  } catch (e) {
    return {};
  }
}

function save() {
  try {
    localStorage.setItem(KEY, JSON.stringify({ answers }));
  } catch (e) { /* storage off or full: the progress lasts this visit */ }
}

const letter = (i) => String.fromCharCode(97 + i);

// answered is the saved choice for q, or -1 when none fits its choices.
function answered(q) {
  const a = answers[q.id];
  return Number.isInteger(a) && a >= 0 && a < q.choices.length ? a : -1;
}

function updateScore() {
  const done = questions.filter((q) => answered(q) >= 0);
  const right = done.filter((q) => answered(q) === q.answer).length;
  put(score, `${right} of ${questions.length} answered right` +
    (done.length < questions.length ? ` (${done.length} answered so far)` : ' (all answered)'));
}

function renderQuestion(q, i) {
  const name = 'quiz-' + q.id;
  const choices = q.choices.map((c, j) => el('div', { class: 'field check quiz-choice', 'data-choice': String(j) },
    el('input', { type: 'radio', name, id: `${name}-${j}`, value: String(j) }),
    el('label', { for: `${name}-${j}` }, `${letter(j)}) `, c.text)));
  const fieldset = el('fieldset', {}, el('legend', {}, `${i + 1}. `, q.text), choices);
  const submit = el('button', { type: 'submit', class: 'primary' }, 'Answer');
  const feedback = el('div', { class: 'quiz-feedback', id: name + '-feedback', 'aria-live': 'polite', tabindex: '-1' });
  const form = el('form', { class: 'quiz-form', novalidate: true }, fieldset, el('p', { class: 'buttons' }, submit));
  const li = el('li', { class: 'quiz-q', 'data-id': q.id }, form, feedback);
  let check = null;
  if (q.check) {
    const out = el('div', { class: 'quiz-check', 'aria-live': 'polite' });
    const button = el('button', { type: 'button', class: 'quiz-check-run', hidden: true }, 'Check it live');
    button.addEventListener('click', () => runCheck(q.check, button, out));
    check = { button };
    li.append(el('p', { class: 'buttons' }, button), out);
  }
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const picked = form.elements[name].value;
    if (picked === '') {
      feedback.replaceChildren(el('p', { class: 'note bad' }, 'Choose one of the answers first.'));
      return;
    }
    answers[q.id] = Number(picked);
    save();
    showAnswer(q, li, fieldset, submit, feedback, check);
    updateScore();
    feedback.focus();
  });
  if (answered(q) >= 0) showAnswer(q, li, fieldset, submit, feedback, check);
  return li;
}

// showAnswer locks q at its saved choice and explains it.
function showAnswer(q, li, fieldset, submit, feedback, check) {
  const pick = answered(q);
  const right = pick === q.answer;
  li.dataset.outcome = right ? 'right' : 'wrong';
  fieldset.disabled = true;
  submit.parentElement.hidden = true;
  for (const row of fieldset.querySelectorAll('.quiz-choice')) {
    const j = Number(row.dataset.choice);
    row.querySelector('input').checked = j === pick;
    // Marked in words as well as colour.
    if (j === q.answer) row.append(el('span', { class: 'quiz-mark ok' }, j === pick ? 'your answer, right' : 'the right answer'));
    else if (j === pick) row.append(el('span', { class: 'quiz-mark bad' }, 'your answer'));
  }
  const parts = [right
    ? el('p', { class: 'note ok quiz-verdict' }, 'Right.')
    : el('p', { class: 'note bad quiz-verdict' }, `Not quite: the answer is ${letter(q.answer)}) ${q.choices[q.answer].text}.`)];
  const note = !right && q.choices[pick].note;
  if (note) parts.push(el('p', { class: 'quiz-note' }, `Why not ${letter(pick)}): `, note));
  parts.push(el('p', { class: 'quiz-why' }, q.why));
  feedback.replaceChildren(...parts);
  if (check) check.button.hidden = false;
}

// runCheck sends the check's request to this server with fetch, as the
// lesson's client does, and says whether the answer proves what it claims.
async function runCheck(c, button, out) {
  const r = c.request;
  button.disabled = true;
  out.setAttribute('aria-busy', 'true');
  out.replaceChildren(el('p', { class: 'muted' }, `Sending ${r.method} ${r.path}\u2026`));
  const init = { method: r.method, headers: r.headers || {}, cache: 'no-store', redirect: 'manual' };
  if (r.body) init.body = r.body;
  try {
    const res = await fetch(r.path, init);
    const body = await res.text();
    const bad = mismatches(c.want, res, body);
    const shown = c.show ? res.headers.get(c.show) : null;
    out.replaceChildren(
      el('p', { class: 'quiz-sent' }, 'Sent ', el('code', {}, `${r.method} ${r.path}`), r.body ? ' with the body ' : '', r.body ? el('code', {}, r.body) : ''),
      el('p', { class: `quiz-status s${Math.floor(res.status / 100)}` }, `${res.status} ${res.statusText}`.trim()),
      c.show ? el('p', { class: 'quiz-header' }, el('code', {}, `${c.show}: ${shown === null ? '(not sent)' : shown}`)) : null,
      bad.length === 0
        ? el('p', { class: 'note ok quiz-proof' }, 'This proves the answer. ', c.proves)
        : el('p', { class: 'note bad quiz-proof' }, `This server did not prove it: ${bad.join('; ')}.`));
  } catch (err) {
    out.replaceChildren(el('p', { class: 'note bad quiz-proof' }, `No answer came from the server: ${err.message}`));
  } finally {
    out.setAttribute('aria-busy', 'false');
    button.disabled = false;
  }
}

// mismatches compares a response with want as lab.Want.Check does: the
// status, text that each named header and the body must contain.
function mismatches(want, res, body) {
  const bad = [];
  if (res.status !== want.status) bad.push(`status is ${res.status}; want ${want.status}`);
  for (const [name, part] of Object.entries(want.headers || {})) {
    const got = res.headers.get(name) || '';
    if (!got.includes(part)) bad.push(`${name} is "${got}"; want it to contain "${part}"`);
  }
  for (const part of want.body || []) {
    if (!body.includes(part)) bad.push(`the body lacks ${JSON.stringify(part)}`);
  }
  return bad;
}

function render() {
  clear(list);
  questions.forEach((q, i) => list.append(renderQuestion(q, i)));
  updateScore();
}

reset.addEventListener('click', () => {
  answers = {};
  try { localStorage.removeItem(KEY); } catch (e) { /* storage off: nothing was kept */ }
  render();
  const first = list.querySelector('input');
  if (first) first.focus();
});

(async () => {
  try {
    questions = (await (await apiFetch('/quiz')).json()).questions;
    render();
    reset.disabled = false;
  } catch (err) {
    score.classList.add('note', 'bad');
    put(score, `The quiz could not be loaded: ${err.message}`);
  }
  list.dataset.ready = 'true';
})();
