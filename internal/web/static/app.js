// app.js: the lab page's start-up, and nothing else. Each part of the
// page is a module of its own: list.js (the live list, with store.js),
// detail.js and compare.js (one exchange), builder.js, experiments.js,
// tour.js; send.js sends for them and state.js holds what they share.
// This reads what the server says about itself, hands each part what it
// needs of another, and starts them. Plain ES modules, no build step, no
// CDN; text from a request, a response or the server only ever goes on
// the page as text nodes, through reveal (dom.js).
import { $, put } from './dom.js';
import { apiFetch, getExchange } from './api.js';
import { ms } from './format.js';
import { exchangeRequestText } from './network.js';
import { send, afterRender, header, lastSent } from './send.js';
import { items, selection, setSelection, live, reason, info, setInfo, tables, setTables } from './state.js';
import { initBuilder } from './builder.js';
import { loadExperiments } from './experiments.js';
import { initList, startList } from './list.js';
import { refreshStore } from './store.js';
import { initDetail, openDetail, addressId, facts } from './detail.js';
import { initCompare } from './compare.js';
import { initTour } from './tour.js';

// showMode says whether this is serve or a proxy, and in front of what;
// a proxy's page keeps the inspector and leaves the lesson out, whose
// experiments and builder talk to serve's own routes.
async function showMode() {
  const m = await info();
  if (!m) return;
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

// Compare's Esc is heard after the tour's, as it always was: when both
// close on it, the focus goes to Compare's button.
let tour = null;
const startTour = (fresh) => tour.start(fresh);
initBuilder();
initList({ touring: () => tour.touring() });
initDetail({ startTour });
tour = initTour({
  ms, reason, facts, header, send, afterRender, getExchange,
  requestText: exchangeRequestText,
  summary: (id) => (items.has(id) ? items.get(id).summary : null),
  selection,
  select: setSelection,
  lastSent,
  live,
});
initCompare();

$('origin').textContent = location.origin;
setInfo(apiFetch('/info').then((res) => res.json()).catch(() => null));
showMode();
setTables(loadExperiments(startTour));
tables().then(() => { document.body.dataset.ready = 'true'; });
startList();
refreshStore();
// Opened as /_roundtrip/x/{id}, a permalink: show that exchange, held in the list or not.
const at = addressId();
if (at !== null) openDetail(at);
