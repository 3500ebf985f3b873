// state.js: what the page's parts share, and nothing else: the exchange
// selected, the rows the live list holds, and what the server said about
// itself. Each is written through the functions here, never on window.

// The selection is the exchange the detail view shows and the tour walks,
// {id, rec, exchange} (rec when this page sent it), or null. Its fields
// fill in as they are learnt, so readers take it fresh each time.
let selected = null;
export const selection = () => selected;
export function setSelection(sel) { selected = sel; }
// selectedExchange is the selection's exchange as the server has it, once read.
export const selectedExchange = () => selected && selected.exchange;

// items is the exchanges the live list holds, id -> {summary, li}. The
// list writes it; the detail view marks the open row, the tour reads a
// summary.
export const items = new Map();

// live is false once the live list could not be read (no inspector, no
// token): then no exchange will report what this page sent.
let liveAvailable = true;
export const live = () => liveAvailable;
export function setLive(on) { liveAvailable = on; }

// The server's tables, from the experiments API: what each status means
// and RFC 9110's reason phrases. tables() resolves once they are read, or
// could not be.
let statuses = {};
let reasons = {};
let tablesRead = Promise.resolve();
export const tables = () => tablesRead;
export function setTables(read) { tablesRead = read; }
export function learnTables(data) {
  statuses = data.statuses || {};
  reasons = data.reasons || {};
}

export function explain(code) {
  if (!code) return 'No response: the request never completed (a network error, or the server is down).';
  return statuses[String(code)] || statuses[Math.floor(code / 100) + 'xx'] || 'Not a standard HTTP status code.';
}
export const reason = (code) => reasons[code] || '';

// info is GET /info's answer (the mode, the proxy's target, whether the
// inspector is on), read once at start; null when it could not be read.
let infoRead = Promise.resolve(null);
export const info = () => infoRead;
export function setInfo(read) { infoRead = read; }
