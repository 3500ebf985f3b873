// usage.js: Real-world usage's live parts: this page's own requests, the
// store this server is a client of, and a DNS lookup through the server.
import { $, put } from './dom.js';
import { apiFetch } from './api.js';

$('usage-origin').textContent = location.origin;

// sentCount says how many requests this page has made, as the browser's
// Resource Timing counts them (the page itself included).
function sentCount() {
  const n = performance.getEntriesByType('resource').length + 1;
  put($('usage-sent'), n + (n === 1 ? ' request' : ' requests') + ' so far');
}
sentCount();
setInterval(sentCount, 2000);

(async () => {
  try {
    const s = await (await apiFetch('/store')).json();
    put($('usage-store'), s.durable
      ? 'in the file ' + s.path + ' (' + s.exchanges + ' exchanges now)'
      : 'when its store is on (this one runs with --store memory, so nothing is on disk)');
  } catch (e) { /* the inspector is off or needs a token: the sentence stands as written */ }
})();

$('dns-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const out = $('dns-result');
  const name = $('dns-name').value.trim();
  out.className = 'note';
  put(out, 'Looking up ' + name + '…');
  try {
    const r = await (await apiFetch('/resolve?name=' + encodeURIComponent(name))).json();
    const took = ' (' + r.duration_ms.toFixed(2) + ' ms)';
    if (r.error) {
      out.className = 'note bad';
      put(out, r.name + ': ' + r.error + took + '.');
      return;
    }
    out.className = 'note ok';
    put(out, r.name + ' is ' + r.addresses.join(', ') + took + '.' +
      (/^localhost$/i.test(r.name) ? ' localhost never goes to a DNS server: the system answers it from its own table (/etc/hosts), which is why the tour shows no DNS time for it.' : ''));
  } catch (err) {
    out.className = 'note bad';
    put(out, 'Could not look it up: ' + (err.detail || err.message));
  }
});
