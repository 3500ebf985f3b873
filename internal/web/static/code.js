// code.js: the Code example's clients, run on the page. Each panel shows
// the source of the very function it runs (Function.prototype.toString),
// so what the learner reads is what runs; its console.log prints in the
// panel, not the browser's console.
import { $, el } from './dom.js';

// lessonClient is the lesson's fetch code, verbatim; console is the panel's.
function lessonClient(console) {
  async function getGreeting(name) {
    const response = await fetch(`/api/greeting?name=${name}`);
    const data = await response.json();
    console.log(data.message); // "Hello, Alice!"
    return data;
  }
  return getGreeting;
}

// fixedClient is the same with the name percent-encoded.
function fixedClient(console) {
  async function getGreeting(name) {
    const response = await fetch(`/api/greeting?name=${encodeURIComponent(name)}`);
    const data = await response.json();
    console.log(data.message); // "Hello, Tom & Jerry!"
    return data;
  }
  return getGreeting;
}

// panelConsole writes what a client logs, and what it throws, into out.
function panelConsole(out) {
  const line = (cls, text) => { out.append(el('span', { class: cls, text: text + '\n' })); };
  return {
    log: (...args) => line('log', args.map(String).join(' ')),
    error: (text) => line('error', text),
    call: (text) => line('call', '> ' + text),
  };
}

const clients = { seed: lessonClient, fixed: fixedClient };
const consoles = {};
for (const [kind, make] of Object.entries(clients)) {
  const c = panelConsole($('console-' + kind));
  consoles[kind] = { c, run: make(c) };
  // The source as written, less the two spaces of lessonClient's body.
  const src = make(c).toString().replace(/\n {2}/g, '\n');
  $(kind === 'seed' ? 'code-fetch' : 'code-fixed').textContent = src + '\n\ngetGreeting("Alice");';
}

for (const b of document.querySelectorAll('#code button[data-run]')) {
  b.addEventListener('click', async () => {
    const { c, run } = consoles[b.dataset.run];
    const name = b.dataset.name;
    c.call('getGreeting(' + JSON.stringify(name) + ')');
    try {
      await run(name);
    } catch (err) {
      c.error('Uncaught (in promise) ' + err.name + ': ' + err.message);
    }
  });
}
