// store.js: the line that says where the live list's history is kept
// (GET /store): in a file that survives a restart, or in memory, with
// the counts, and a warning when the store drops captures or cannot write.
import { $, el } from './dom.js';
import { apiFetch } from './api.js';
import { byteSize, plural } from './format.js';

let store = null; // the last GET /store
let storeTimer = 0;

// kept is the last GET /store, or null: no inspector, or no token.
export const kept = () => store;

// refreshStore reads GET /store and shows it.
export async function refreshStore() {
  clearTimeout(storeTimer);
  storeTimer = 0;
  try {
    store = await (await apiFetch('/store')).json();
  } catch (e) {
    store = null; // no inspector, or no token: the state line says so
  }
  showStore();
}

// storeSoon reads /store again in a while: its counts change with every exchange.
export function storeSoon() {
  if (!storeTimer) storeTimer = setTimeout(refreshStore, 2000);
}

// replaceIfChanged keeps a live region quiet unless what it says changes.
function replaceIfChanged(node, kids) {
  const next = el('div', {}, kids);
  if (next.textContent !== node.textContent) node.replaceChildren(...next.childNodes);
}

// showStore says where the history is kept, and warns when the store
// drops captures or cannot write.
function showStore() {
  const where = $('live-store');
  const warn = $('live-store-warn');
  if (!store) {
    where.hidden = true;
    replaceIfChanged(warn, []);
    return;
  }
  where.hidden = false;
  where.dataset.durable = String(!!store.durable);
  if (store.durable) {
    replaceIfChanged(where, ['Kept in ', el('code', { text: store.path || '(unknown)' }), ': ' +
      plural(store.exchanges || 0, 'exchange') + ', ' + byteSize(store.bytes) + '. They survive a restart.']);
  } else {
    const m = store.memory || {};
    replaceIfChanged(where, ['Kept in memory only (', el('code', { text: '--store memory' }), '): lost at restart. ' +
      plural(m.exchanges || 0, 'exchange') + ', ' + byteSize(m.bytes) + ' held.']);
  }
  const notes = [];
  if (store.degraded) {
    // The server names the store and says it cannot write; say it once.
    const prefix = 'store ' + store.path + ': cannot write: ';
    const why = store.degraded.startsWith(prefix) ? store.degraded.slice(prefix.length) : store.degraded;
    notes.push(el('p', { class: 'degraded', text: 'The store cannot write: ' + why + '; captures are shown but not kept.' }));
  }
  if (store.dropped > 0) {
    notes.push(el('p', { class: 'dropped', text: plural(store.dropped, 'capture') + (store.dropped === 1 ? ' was' : ' were') +
      ' not stored: they show here, but will be gone after a restart.' }));
  }
  replaceIfChanged(warn, notes);
}

// storeMissed counts n more captures the store dropped, as the live
// stream told, until /store is read again.
export function storeMissed(n) {
  if (store && typeof n === 'number') { store.dropped = (store.dropped || 0) + n; showStore(); }
  storeSoon();
}

// storeDegraded takes the stream's word on whether the store can write.
export function storeDegraded(why) {
  if (store) { store.degraded = why || null; showStore(); }
  storeSoon();
}
