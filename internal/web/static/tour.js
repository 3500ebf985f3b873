// tour.js: the visual model's tour: ten steps along one exchange, each
// lit on the sequence diagram (diagram.js) with its real figures. The
// page (app.js) gives it what it shares: how to send, what is selected,
// and its formatting.
import { $, el, put, clear } from './dom.js';
import { draw, light } from './diagram.js';

// initTour wires the tour's buttons and keys; app is the page's side.
export function initTour(app) {
  const { ms, reason, facts, header, send, afterRender, getExchange, requestText } = app;

  const term = (id, label) => el('a', { href: '#term-' + id, text: label });

  // Each step: the diagram node it lights, what happens, the terms it
  // introduces, and the facts of the exchange t at that step.
  const steps = [
    {
      key: 'client', node: 'client', title: 'The client builds the request', terms: [['client', 'client'], ['request', 'request'], ['method', 'method'], ['header', 'header'], ['body', 'body']],
      text: 'The client, here this page\'s JavaScript, builds a request: a method, a path with its query, headers and perhaps a body. fetch() turns it into an HTTP message.',
      facts: (t) => [
        ['Request line', t.method + ' ' + t.url],
        ['Headers', t.rec ? t.rec.headers.length + ' set by the page; the browser adds more' : (t.ex ? Object.keys(t.ex.request.headers || {}).length + ' headers' : '')],
        ['Body', t.bytesIn ? t.bytesIn + ' bytes' : 'none'],
        ['Sent by', t.rec ? 'this page' : 'another client: ' + t.client],
      ],
      dur: (t) => t.p && t.p.queued,
      durLabel: 'Queued in the browser',
    },
    {
      key: 'dns', node: 'network', title: 'DNS: the name becomes an address', terms: [['dns', 'DNS']],
      text: 'The browser asks DNS for the IP address behind the host name. For localhost or a bare IP address there is nothing to look up, and a name looked up recently comes from a cache: then this takes 0 ms.',
      facts: (t) => [['Host', t.host], ['Lookup', t.hostNote]],
      dur: (t) => t.p && t.p.dns, durLabel: 'DNS lookup', browserOnly: true,
    },
    {
      key: 'connect', node: 'network', title: 'TCP connect', terms: [['tcp', 'TCP'], ['port', 'port']],
      text: 'The browser opens a TCP connection to that address and the server\'s port with a three-way handshake (SYN, SYN-ACK, ACK). HTTP keeps connections alive, so later requests usually reuse one and skip this step.',
      facts: (t) => [
        ['Server', t.host],
        ['Client, as the server saw it', t.client],
        ['Connection', t.p ? (t.p.reused ? 'reused: no handshake needed' : 'new') : ''],
      ],
      dur: (t) => t.p && t.p.connect, durLabel: 'TCP handshake', browserOnly: true,
    },
    {
      key: 'tls', node: 'network', title: 'TLS', terms: [['tls', 'TLS']],
      text: 'On https:// the two sides agree on keys and the server proves who it is with a certificate, so nobody in between can read or change the exchange. On plain http:// there is no TLS and the bytes travel readable.',
      facts: (t) => [
        ['This exchange', t.tls || 'no TLS: plain ' + location.protocol + '//'],
        ['Protocol', t.proto + (t.proto.startsWith('HTTP/2') ? ': agreed during the TLS handshake (ALPN h2), binary frames' : '')],
      ],
      dur: (t) => t.p && t.p.tls, durLabel: 'TLS handshake', browserOnly: true,
    },
    {
      key: 'send', node: 'network', title: 'The request is sent', terms: [],
      text: 'The request travels over the connection as text: the request line, the headers, a blank line, then the body.',
      facts: (t) => [['On the wire', t.rawRequest], ['Bytes of body', String(t.bytesIn)]],
      dur: (t) => t.p && t.p.request, durLabel: 'Until the request went out', browserOnly: true,
    },
    {
      key: 'read', node: 'server', title: 'The server parses it', terms: [['server', 'server']],
      text: 'The server reads the bytes and parses the request line and headers into a request object, the req of the lesson\'s Express handler.',
      facts: (t) => [['Protocol', t.proto], ['From', t.client]],
      dur: (t) => t.phase('read'), durLabel: 'Headers read', serverOnly: true,
    },
    {
      key: 'route', node: 'router', title: 'The router matches the route', terms: [['status-code', 'status code']],
      text: 'The router compares the method and path with its routes, as app.get("/api/greeting", ...) declares one. No path matches: it answers 404. The path matches but not the method: 405, with an Allow header.',
      facts: (t) => {
        // "/" is the catch-all that answers 404 for every path no route claims.
        const none = !t.route || (t.route === '/' && t.path !== '/');
        let outcome = 'matched ' + t.method + ' ' + t.route;
        if (none) outcome = '404: no route matched ' + t.path;
        else if (t.status === 405) outcome = '405: the path matched, the method did not. Allow: ' + t.allow;
        return [['Path', t.path], ['Route', none ? 'none (the catch-all answered)' : t.route], ['Outcome', outcome]];
      },
      dur: (t) => t.phase('route'), durLabel: 'Routing', serverOnly: true,
    },
    {
      key: 'handler', node: 'handler', title: 'The handler runs', terms: [],
      text: 'The matched handler does the work: reads the query or body, computes, and writes a status, headers and a body. Errors, such as invalid JSON, become a 4xx answer here rather than a crash.',
      facts: (t) => [['Handler for', t.route && t.route !== '/' ? t.route : 'the not-found fallback'], ['Answered', t.status + ' ' + reason(t.status)]],
      dur: (t) => t.phase('handler'), durLabel: 'Handler', serverOnly: true,
    },
    {
      key: 'response', node: 'response', title: 'The response returns', terms: [['response', 'response']],
      text: 'The server writes the status line, the headers and the body, and they travel back over the same connection. The browser counts from sending the request to the first byte back as waiting, and the rest as download.',
      facts: (t) => [
        ['Status line', t.proto + ' ' + t.status + ' ' + reason(t.status)],
        ['Content-Type', t.contentType || '(none)'],
        ['Body', t.bytesOut + ' bytes'],
        ['Written in', ms(t.phase('write'))],
        ['Waiting (first byte)', t.p ? ms(t.p.waiting) : ''],
        ['Download', t.p ? ms(t.p.download) : ''],
      ],
      dur: (t) => t.p ? t.p.waiting + t.p.download : t.phase('write'), durLabel: 'Waiting and download',
    },
    {
      key: 'render', node: 'client', title: 'The client renders it', terms: [],
      text: 'fetch() resolves with the response and the page reads the body and shows it. A 404 or 500 does not make fetch() throw: the code has to check response.ok or the status itself.',
      facts: (t) => [
        ['Round trip in the browser', t.p ? ms(t.p.total) : ''],
        ['Of which on the server', t.serverMs === null ? 'not reported: the inspector did not report this exchange' : ms(t.serverMs)],
        ['Network and browser', t.p && t.serverMs !== null ? ms(Math.max(0, t.p.total - t.serverMs)) : ''],
        ['response.ok', String(t.status >= 200 && t.status < 300)],
      ],
      dur: (t) => t.rec ? t.rec.renderMs : null, durLabel: 'Rendering', browserOnly: true,
    },
  ];

  let tourAt = -1;
  let tourData = null;

  // tourSubject gathers what the tour shows about one exchange, from the
  // inspector and, when this page sent it, from the browser.
  function tourSubject(sel) {
    const rec = sel.rec || null;
    const ex = sel.exchange || (rec && rec.exchange) || null;
    const sum = ex || (sel.id ? app.summary(sel.id) : null);
    const phase = (name) => {
      const p = ex && ex.phases && ex.phases.find((x) => x.name === name);
      return p ? p.duration_ms : null;
    };
    const hdr = (name) => {
      if (ex && ex.response && ex.response.headers) {
        const k = Object.keys(ex.response.headers).find((x) => x.toLowerCase() === name.toLowerCase());
        if (k) return ex.response.headers[k].join(', ');
      }
      return rec ? header(rec, name) : '';
    };
    const url = sum ? sum.url : rec.path;
    return {
      rec, ex, p: rec ? rec.phases : null, phase,
      method: sum ? sum.method : rec.method,
      url, path: sum ? sum.path : url.split('?')[0],
      route: sum ? (sum.route || '') : '',
      status: sum ? sum.status : rec.status,
      client: sum ? sum.client : 'this page',
      proto: sum ? sum.proto : 'HTTP/1.1',
      tls: sum ? sum.tls : '',
      bytesIn: sum ? sum.bytes_in : new Blob([rec.body]).size,
      bytesOut: sum ? sum.bytes_out : new Blob([rec.resBody]).size,
      contentType: sum ? sum.content_type : header(rec, 'content-type'),
      serverMs: sum ? sum.duration_ms : null,
      allow: hdr('Allow'),
      rawRequest: ex ? requestText(ex) : (rec.serverRaw || rec.raw),
      host: rec ? rec.host : location.host,
      hostNote: hostNote(rec ? rec.host : location.host),
      reason: reason(sum ? sum.status : rec.status),
    };
  }

  // hostNote says why a host needed no DNS lookup, or that it did.
  function hostNote(host) {
    const name = host.replace(/:\d+$/, '');
    if (/^\[?[0-9a-f:.]+\]?$/i.test(name)) return 'none: ' + name + ' is an IP address already';
    if (/(^|\.)localhost$/i.test(name)) return 'none: names ending in localhost always mean this machine (RFC 6761), so the browser answers them itself';
    return 'the browser asks DNS, unless it has the answer cached';
  }

  // freshOrigin is a new origin for this same server, so that the tour's
  // request opens a new connection and its TCP handshake is measured: a
  // browser reuses a kept-alive connection for its origin, but any name
  // under localhost reaches this machine (RFC 6761), and each is an origin
  // of its own. null when the page is not on loopback.
  let freshCount = 0;
  function freshOrigin() {
    if (!/^(localhost|127\.0\.0\.1|\[::1\])$|\.localhost$/i.test(location.hostname)) return null;
    return location.protocol + '//tour-' + Date.now().toString(36) + '-' + (++freshCount) + '.localhost' + (location.port ? ':' + location.port : '');
  }

  // startTour walks one exchange: with fresh, a new GET /api/greeting on
  // a new connection; else the exchange selected or last sent.
  async function startTour(fresh) {
    const btn = $('tour-start');
    btn.disabled = true;
    try {
      const last = app.lastSent();
      let sel = fresh ? null : app.selection() || (last ? { rec: last, id: last.exchangeId } : null);
      if (!sel) {
        const origin = freshOrigin();
        put($('tour-exchange'), 'Sending GET /api/greeting?name=Alice for the tour, on a new connection' + (origin ? ' to ' + origin : '') + '…');
        const rec = await send({ method: 'GET', path: '/api/greeting?name=Alice', headers: {}, origin: origin || undefined });
        afterRender(rec);
        sel = { rec, id: rec.exchangeId };
      }
      // Give the inspector a moment to report the exchange, for the server's phases.
      for (let i = 0; i < 20 && sel.rec && !sel.rec.exchange && app.live(); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      if (!sel.exchange && sel.id && !(sel.rec && sel.rec.exchange)) sel.exchange = await getExchange(sel.id);
      app.select(sel);
      tourData = tourSubject(sel);
      put($('tour-exchange'), 'Touring: ' + tourData.method + ' ' + tourData.url + ' → ' + tourData.status +
        (tourData.rec ? ', sent by this page' + (tourData.rec.host !== location.host ? ' to ' + tourData.rec.host + ', a second name for this server, so that it needed a new connection.' : '.')
          : ', from ' + tourData.client + '. Only the server\'s side of it was measured: the client\'s DNS, connect and wait are known only to the client.'));
      drawModel();
      $('tour').hidden = false;
      showStep(0);
    } finally {
      btn.disabled = false;
    }
  }

  function showStep(i) {
    tourAt = Math.max(0, Math.min(steps.length - 1, i));
    const s = steps[tourAt];
    const t = tourData;
    light($('diagram'), s.key);
    $('tour-count').textContent = 'Step ' + (tourAt + 1) + ' of ' + steps.length;
    $('tour-title').textContent = (tourAt + 1) + '. ' + s.title;
    $('tour-text').textContent = s.text;
    const d = s.dur(t);
    const pairs = s.facts(t).filter(([, v]) => v !== '' && v !== undefined && v !== null);
    if (s.browserOnly && !t.p) {
      pairs.push([s.durLabel, 'not measured: only the client that sent a request can time this part. Send one from this page to see it.']);
    } else if (s.serverOnly && !t.ex) {
      pairs.push([s.durLabel, 'not reported: the inspector did not report this exchange (it may be off).']);
    } else {
      pairs.push([s.durLabel, ms(d)]);
    }
    facts($('tour-data'), pairs);
    const terms = $('tour-terms');
    clear(terms);
    if (s.terms.length) {
      terms.append('Terms: ');
      s.terms.forEach(([id, label], k) => { if (k) terms.append(', '); terms.append(term(id, label)); });
    }
    $('tour-prev').disabled = tourAt === 0;
    $('tour-next').textContent = tourAt === steps.length - 1 ? 'Finish' : 'Next →';
    $('tour-title').focus();
  }

  function closeTour() {
    $('tour').hidden = true;
    tourAt = -1;
    light($('diagram'), null);
    $('tour-start').focus();
  }

  $('tour-start').addEventListener('click', () => startTour(true));

  // drawModel draws the tour's exchange, or before any a sketch of one
  // in equal steps, with no figures.
  function drawModel() {
    const scaled = $('model-scale').checked;
    const t = tourData || {
      p: { queued: 0, dns: 1, connect: 1, tls: 0, request: 0, waiting: 2, download: 1, reused: false },
      sketch: true, phase: () => 0.25, method: 'GET', path: '/api/greeting', status: 200, reason: 'OK', hostNote: 'localhost',
    };
    draw($('diagram'), t, scaled && !!tourData);
    light($('diagram'), tourAt >= 0 ? steps[tourAt].key : null);
  }
  $('model-scale').addEventListener('change', drawModel);
  drawModel();
  $('tour-prev').addEventListener('click', () => showStep(tourAt - 1));
  $('tour-next').addEventListener('click', () => (tourAt === steps.length - 1 ? closeTour() : showStep(tourAt + 1)));
  $('tour-close').addEventListener('click', closeTour);
  document.addEventListener('keydown', (ev) => {
    if (tourAt < 0 || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const tag = (ev.target && ev.target.tagName) || '';
    if (['INPUT', 'TEXTAREA', 'SELECT'].includes(tag)) return;
    if (ev.key === 'ArrowRight') { ev.preventDefault(); if (tourAt < steps.length - 1) showStep(tourAt + 1); }
    else if (ev.key === 'ArrowLeft') { ev.preventDefault(); showStep(tourAt - 1); }
    else if (ev.key === 'Escape') { ev.preventDefault(); closeTour(); }
  });

  return { start: startTour, touring: () => tourAt >= 0 };
}
