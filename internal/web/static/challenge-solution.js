// A solution to the lesson's coding challenge. The routes are a table, so
// adding one is one line; the path is cut at "?" first, because the query
// string plays no part in routing.
const routes = [
  { method: 'GET', path: '/hello', body: 'Hello, World!' },
  { method: 'GET', path: '/time', body: 'Current time' },
  { method: 'POST', path: '/echo', body: 'Echo received' },
];

function handleRequest(req) {
  const path = req.path.split('?')[0];
  const route = routes.find((r) => r.path === path);
  if (!route) {
    return { status: 404, body: 'Not Found' };
  }
  // The path exists, so a wrong method is 405, not 404. Methods are
  // case-sensitive: "get" is not GET.
  if (req.method !== route.method) {
    return { status: 405, body: 'Method Not Allowed' };
  }
  return { status: 200, body: route.body };
}
