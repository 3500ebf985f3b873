// challenge-worker.js: runs a learner's handleRequest on the challenge's
// cases, off the page's thread, so that code that never finishes can be
// stopped (the page terminates the worker) and the page stays usable.
// web.go serves this file with its own Content-Security-Policy: it allows
// the Function constructor below, which the page's policy forbids, and
// nothing else (default-src 'none': no fetch, no WebSocket, no import). A
// worker has no DOM, so the learner's code can compute and answer, only.

const maxShown = 200; // characters of a value sent back for display

// shown is a value as the page may show it: primitives as they are (a
// string cut to maxShown), anything else as its text.
function shown(v) {
  if (typeof v === 'string') return v.length > maxShown ? v.slice(0, maxShown) + '…' : v;
  if (v === undefined || v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  try { return String(v).slice(0, maxShown); } catch (e) { return Object.prototype.toString.call(v); }
}

function errorText(err) {
  try {
    if (err instanceof Error) return err.name + ': ' + err.message;
    return 'threw ' + String(err);
  } catch (e) {
    return 'an error that cannot be shown';
  }
}

// post is kept before any learner code runs, which may reassign self's.
const post = self.postMessage.bind(self);

self.onmessage = (ev) => {
  const { code, cases } = ev.data;
  let handleRequest;
  try {
    handleRequest = new Function(code + '\n;return typeof handleRequest === "function" ? handleRequest : undefined;')();
  } catch (err) {
    post({ kind: err instanceof SyntaxError ? 'syntax' : 'load', error: errorText(err) });
    return;
  }
  if (typeof handleRequest !== 'function') {
    post({ kind: 'missing' });
    return;
  }
  const results = cases.map((c) => {
    try {
      const res = handleRequest({ method: c.method, path: c.path });
      if (res === null || typeof res !== 'object') return { wrong: 'returned ' + (typeof res === 'string' ? JSON.stringify(shown(res)) : String(res)) };
      if (typeof res.then === 'function') return { wrong: 'returned a Promise: answer at once, without async' };
      return { status: shown(res.status), body: shown(res.body) };
    } catch (err) {
      return { threw: errorText(err) };
    }
  });
  post({ kind: 'results', results });
};
