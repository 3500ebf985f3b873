// api.js: the inspector's API, with the token the page was opened with.

export const API = '/_roundtrip/api';

// token is ?token=, kept in memory only: taken out of the address bar, so
// it is not in the history or a screenshot.
export const token = new URLSearchParams(location.search).get('token') || '';
if (token) {
  const u = new URL(location.href);
  u.searchParams.delete('token');
  history.replaceState(history.state, '', u);
}

// auth is headers with the token, when there is one.
export function auth(headers) {
  const h = new Headers(headers || {});
  if (token) h.set('Authorization', 'Bearer ' + token);
  return h;
}

// apiFetch fetches path under the API; an answer that is not 2xx is thrown
// as an Error with the problem's status and detail.
export async function apiFetch(path, init) {
  const res = await fetch(API + path, Object.assign({ cache: 'no-store' }, init, { headers: auth(init && init.headers) }));
  if (!res.ok && res.status !== 204) {
    let problem = null;
    try { problem = await res.json(); } catch (e) { /* not a problem body */ }
    const detail = (problem && problem.detail) || '';
    const err = new Error(res.status + ' ' + (detail || res.statusText));
    err.status = res.status;
    err.detail = detail;
    err.problem = problem;
    throw err;
  }
  return res;
}

// fetchExchange is {ex}, exchange id as the API has it, or {error}: the
// server's detail when it has one.
export async function fetchExchange(id) {
  try {
    return { ex: await (await apiFetch('/exchanges/' + encodeURIComponent(id))).json() };
  } catch (err) {
    return { error: err.detail || err.message };
  }
}

// getExchange is exchange id, or null when it cannot be read.
export async function getExchange(id) { return (await fetchExchange(id)).ex || null; }
